"""mfa_serial on an assume-role profile, end to end: the program asks for the code on its terminal as the AWS
CLI does ("Enter MFA code for <serial>: ", on /dev/tty whatever its standard streams are), sends it to STS
AssumeRole with SerialNumber, and keeps the role's credentials in the AWS CLI's cache (~/.aws/cli/cache,
keyed as botocore keys it), so the next run asks nothing. Without a terminal (CI, Terraform under a service),
one clear line and no request. The terminal is a pseudo-terminal (python's pty module); the STS and
CodeArtifact peer is the loopback endpoint, which logs SerialNumber and TokenCode.

Run by CTest as: tests/tools/with-servers tests/tools/python-with-botocore tests/mfa_prompt_test.py.
"""
import json
import os
import pty
import select
import signal
import subprocess
import termios
import time

from harness import EXAMPLE_AK, EXAMPLE_SK, binary, check, finish, home_env, server_log, unique

SERIAL = "arn:aws:iam::111122223333:mfa/dev-user"


def profile(role):
    return (f"[profile mfa]\nrole_arn = arn:aws:iam::111122223333:role/{role}\nsource_profile = base\n"
            f"mfa_serial = {SERIAL}\nduration_seconds = 1800\n"
            f"[profile base]\naws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n")


def run_on_tty(args, env, answer):
    """Runs the program in a new session whose controlling terminal is a pseudo-terminal; stdin is
    /dev/null and stdout/stderr are pipes, as under Terraform or a pipeline. Types `answer` (when not None)
    once the prompt is on the terminal. Returns (rc, stdout, stderr, what the terminal showed, whether the
    terminal echoes after the run)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([binary(), *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True,
                         preexec_fn=lambda: os.close(os.open(os.ttyname(slave), os.O_RDWR)))
    # Our end of the slave stays open while the program runs: with no slave open, reads of the master fail (EIO).
    shown = b""
    typed = answer is None
    deadline = time.monotonic() + 60
    while p.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                shown += os.read(master, 1024)
            except OSError:
                break
        if not typed and b"Enter MFA code for" in shown and shown.rstrip().endswith(b":"):
            os.write(master, answer.encode() + b"\n")
            typed = True
    out, err = p.communicate(timeout=60)
    echoes = bool(termios.tcgetattr(slave)[3] & termios.ECHO)
    os.close(slave)
    try:
        while select.select([master], [], [], 0)[0]:
            chunk = os.read(master, 1024)
            if not chunk:
                break
            shown += chunk
    except OSError:
        pass
    os.close(master)
    return p.returncode, out, err, shown.decode(errors="replace"), echoes


def assume_role_calls(role):
    return [e for e in server_log() if e.get("service") == "sts" and e.get("action") == "AssumeRole"
            and (e.get("role_arn") or "").endswith("/" + role)]


# --- the prompt on the terminal, the code to AssumeRole, a token ---------------------------------------
role = unique("mfa-role")
env = home_env(config=profile(role))
domain = unique("mfa")
rc, out, err, shown, echoes = run_on_tty(["--domain", domain, "--profile", "mfa", "--no-cache"], env, "123456")
check("the prompt is on the terminal, as the AWS CLI words it", f"Enter MFA code for {SERIAL}: " in shown, shown)
check("the code typed is not echoed (as getpass), the line ends after it",
      "123456" not in shown and shown.endswith(f"Enter MFA code for {SERIAL}: \r\n"), shown)
check("the terminal echoes again after the run", echoes)
check("the prompt is not on stdout or stderr", "Enter MFA code" not in out + err, (out, err))
calls = assume_role_calls(role)
check("one AssumeRole with SerialNumber and TokenCode",
      len(calls) == 1 and calls[0].get("serial_number") == SERIAL and calls[0].get("token_code") == "123456"
      and calls[0].get("signature_ok"), calls)
log = server_log(domain)
check("a token signed with the role's credentials",
      rc == 0 and json.loads(out).get("authorization_token", "").startswith("eyJ") and log
      and log[-1].get("access_key", "").startswith("ASIA"), (rc, out, err))

# --- the AWS CLI's cache: the next run asks nothing, and botocore keys the entry the same way -----------
cache_dir = os.path.join(env["HOME"], ".aws", "cli", "cache")
files = os.listdir(cache_dir) if os.path.isdir(cache_dir) else []
check("one entry in ~/.aws/cli/cache, mode 0600",
      len(files) == 1 and os.stat(os.path.join(cache_dir, files[0])).st_mode & 0o777 == 0o600, files)
try:
    from botocore.credentials import AssumeRoleCredentialFetcher
    from botocore.utils import JSONFileCache
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=None, source_credentials=None, role_arn=f"arn:aws:iam::111122223333:role/{role}",
        extra_args={"SerialNumber": SERIAL, "DurationSeconds": 1800}, cache=JSONFileCache(cache_dir))
    check("the entry's name is botocore's cache key", files == [fetcher._cache_key + ".json"],
          (files, fetcher._cache_key))
    cached = fetcher.fetch_credentials()  # from the cache, or it would call the (absent) client
    check("botocore's fetcher reads the entry back", cached["access_key"] == log[-1].get("access_key"), cached)
except Exception as e:  # noqa: BLE001
    check("botocore's fetcher reads the entry back", False, repr(e))

domain2 = unique("mfa-again")
rc, out, err, shown, _ = run_on_tty(["--domain", domain2, "--profile", "mfa", "--no-cache", "--debug"], env, None)
check("a second run: no prompt, no AssumeRole, the cached role signs",
      rc == 0 and "Enter MFA code" not in shown and len(assume_role_calls(role)) == 1 and
      server_log(domain2)[-1].get("access_key") == log[-1].get("access_key"), (rc, err, shown))
check("--debug says the AWS CLI cache served the role", "cli/cache" in err, err)

# --- no terminal: one clear line, no request ------------------------------------------------------------
role = unique("mfa-role")
env = home_env(config=profile(role))
p = subprocess.run([binary(), "--domain", unique("mfa-none"), "--profile", "mfa", "--no-cache"], env=env,
                   stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, start_new_session=True)
check("no terminal: exit 3, one line naming mfa_serial, no AssumeRole",
      p.returncode == 3 and "mfa_serial" in p.stderr and "no terminal" in p.stderr and
      p.stderr.count("\n") == 1 and not assume_role_calls(role), (p.returncode, p.stderr))
check("no terminal: nothing on stdout", p.stdout == "", p.stdout)

# --- a code that is not 6 characters: refused before any request -----------------------------------------
rc, out, err, shown, echoes = run_on_tty(["--domain", unique("mfa-short"), "--profile", "mfa", "--no-cache"], env,
                                        "12")
check("a short code: one line, no AssumeRole", rc != 0 and "MFA code" in err and not assume_role_calls(role),
      (rc, err))
check("a short code: not echoed, and the terminal echoes again", "12\r" not in shown and echoes, shown)

# --- the STS settings are checked before the code is asked for ---------------------------------------------
bad = dict(env, AWS_ENDPOINT_URL_STS="ftp://sts.example")
rc, out, err, shown, echoes = run_on_tty(["--domain", unique("mfa-sts"), "--profile", "mfa", "--no-cache"], bad,
                                         "123456")
check("an STS setting in error: said before any prompt", rc != 0 and "Enter MFA code" not in shown and
      "mfa_serial" not in err and "STS" in err and not assume_role_calls(role), (rc, err, shown))

def at_the_prompt(name, act):
    """Runs the program on a pseudo-terminal until its prompt shows, then calls act(process, master).
    Returns (rc, stderr, whether the terminal echoes after the run)."""
    master, slave = pty.openpty()
    q = subprocess.Popen([binary(), "--domain", unique(name), "--profile", "mfa", "--no-cache"], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True, preexec_fn=lambda: os.close(os.open(os.ttyname(slave), os.O_RDWR)))
    buf = b""
    while b"Enter MFA code" not in buf and q.poll() is None:
        if select.select([master], [], [], 1)[0]:
            buf += os.read(master, 1024)
    act(q, master)
    out, err = q.communicate(timeout=60)
    echoes = bool(termios.tcgetattr(slave)[3] & termios.ECHO)
    os.close(slave)
    os.close(master)
    return q.returncode, err, echoes


# --- the terminal closes without a line ------------------------------------------------------------------
rc, err, echoes = at_the_prompt("mfa-eof", lambda q, master: os.write(master, b"\x04"))  # ^D: end of input
check("the terminal ends before a line: exit 3, one line", rc == 3 and "mfa_serial" in err and
      not assume_role_calls(role), (rc, err))
check("the terminal ends before a line: it echoes again", echoes)

# --- Ctrl-C at the prompt: the terminal echoes again (as getpass restores it on KeyboardInterrupt) -----------
rc, err, echoes = at_the_prompt("mfa-int", lambda q, master: q.send_signal(signal.SIGINT))
check("interrupted at the prompt: ended by SIGINT, and the terminal echoes again",
      rc == -signal.SIGINT and echoes and not assume_role_calls(role), (rc, echoes, err))

finish()
