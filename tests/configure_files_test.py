"""--configure and the user's files, through the built binary against the loopback endpoint: only a regular
file (or an absent one) is read or replaced, never a device, FIFO, folder or process descriptor, and
nothing hangs (issue 12, item 1); parallel runs on one file all land (item 4); a replaced file keeps its
owner, group and a mode no wider than 0600, and a read-only or another user's file is refused (item 14).

Run by CTest as: tests/tools/with-servers python3 tests/configure_files_test.py (CAT_BINARY set).
"""
import os
import stat
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from harness import binary, check, example_env, finish, run, skip, unique

env = example_env()
home = env["HOME"]
d = unique("files")
npm = ["--domain", d, "--repository", "npm-store", "--configure", "npm"]
work = tempfile.mkdtemp(prefix="cat-files-")


def configure_into(path, **kw):
    return run(npm + ["--config-file", path], env, timeout=20, **kw)


def refused(name, path, rc, err, *, after=None):
    lines = err.strip().splitlines()
    check(f"{name}: exit 6, one line naming the path", rc == 6 and len(lines) == 1 and path in err, (rc, err))
    if after is not None:
        check(f"{name}: nothing written", after(), path)


# Item 1: special files.
fifo = os.path.join(work, "fifo")
os.mkfifo(fifo)
rc, out, err = configure_into(fifo)
refused("a FIFO", fifo, rc, err, after=lambda: stat.S_ISFIFO(os.lstat(fifo).st_mode))

if os.geteuid() == 0:
    node = os.path.join(work, "null")
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a copy of /dev/null
    rc, out, err = configure_into(node)
    refused("a device node", node, rc, err, after=lambda: stat.S_ISCHR(os.lstat(node).st_mode))
else:
    skip("a device node", "mknod needs root")

rc, out, err = configure_into("/dev/zero")
refused("/dev/zero", "/dev/zero", rc, err, after=lambda: stat.S_ISCHR(os.stat("/dev/zero").st_mode))

folder = os.path.join(work, "folder")
os.mkdir(folder)
rc, out, err = configure_into(folder)
refused("a folder", folder, rc, err, after=lambda: os.listdir(folder) == [])

rc, out, err = configure_into("/dev/stdout")  # stdout is a pipe here
refused("/dev/stdout on a pipe", "/dev/stdout", rc, err, after=lambda: out == "")

sink = os.path.join(work, "stdout-file")
with open(sink, "w") as f:
    f.write("mine\n")
with open(sink, "a") as f:
    p = subprocess.run([binary()] + npm + ["--config-file", "/dev/stdout"], env=env, stdout=f,
                       stderr=subprocess.PIPE, text=True, timeout=20)
refused("/dev/stdout on a file", "/dev/stdout", p.returncode, p.stderr, after=lambda: open(sink).read() == "mine\n")

# A symlink to a regular file: the target is replaced (dotfile managers); to anything else: refused.
target = os.path.join(work, "dotfiles-npmrc")
with open(target, "w") as f:
    f.write("fund=false\n")
link = os.path.join(work, "link-npmrc")
os.symlink(target, link)
rc, out, err = configure_into(link)
check("a link to a regular file: its target is configured", rc == 0 and os.path.islink(link) and
      "_authToken=" in open(target).read(), (rc, err))
link_fifo = os.path.join(work, "link-fifo")
os.symlink(fifo, link_fifo)
rc, out, err = configure_into(link_fifo)
refused("a link to a FIFO", link_fifo, rc, err, after=lambda: stat.S_ISFIFO(os.lstat(fifo).st_mode))
link_out = os.path.join(work, "link-stdout")
os.symlink("/proc/self/fd/1", link_out)
rc, out, err = configure_into(link_out)
refused("a link to a process's descriptor", link_out, rc, err)

# Item 14: owner, group, mode, read-only.
mode_file = os.path.join(work, "wide")
with open(mode_file, "w") as f:
    f.write("fund=false\n")
os.chmod(mode_file, 0o644)
rc, out, err = configure_into(mode_file)
check("a 0644 file holding the token becomes 0600", rc == 0 and stat.S_IMODE(os.stat(mode_file).st_mode) == 0o600,
      (rc, err, oct(os.stat(mode_file).st_mode)))

readonly = os.path.join(work, "readonly")
with open(readonly, "w") as f:
    f.write("fund=false\n")
os.chmod(readonly, 0o400)
rc, out, err = configure_into(readonly)
refused("a read-only file", readonly, rc, err, after=lambda: open(readonly).read() == "fund=false\n")
check("a read-only file: the message says how to go on", "chmod u+w" in err and "--config-file" in err, err)

if os.geteuid() == 0:
    theirs = os.path.join(work, "theirs")
    with open(theirs, "w") as f:
        f.write("fund=false\n")
    os.chown(theirs, 12345, 23456)
    os.chmod(theirs, 0o640)
    rc, out, err = configure_into(theirs)
    st = os.stat(theirs)
    check("as root, another user's file keeps its owner and group", rc == 0 and (st.st_uid, st.st_gid) ==
          (12345, 23456) and "_authToken=" in open(theirs).read(), (rc, err, st.st_uid, st.st_gid))
    check("... and its mode, narrowed to 0600", stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode))

    # As a normal user (uid 12345 in a folder it may write): another user's file is refused.
    shared = tempfile.mkdtemp(prefix="cat-shared-")
    os.chmod(shared, 0o777)
    rootfile = os.path.join(shared, "root-npmrc")
    with open(rootfile, "w") as f:
        f.write("fund=false\n")
    os.chmod(rootfile, 0o666)
    ca = os.path.join(shared, "ca.pem")  # the servers' folder is root's alone
    with open(ca, "w") as f:
        f.write(open(env["AWS_CA_BUNDLE"]).read())
    user_env = dict(env, HOME=shared, AWS_CA_BUNDLE=ca)
    p = subprocess.run([binary()] + npm + ["--config-file", rootfile, "--no-cache"], env=user_env,
                       capture_output=True, text=True, timeout=20, user=12345, group=12345)
    check("as a normal user, another user's file is refused", p.returncode == 6 and rootfile in p.stderr and
          "uid 0" in p.stderr and os.stat(rootfile).st_uid == 0 and open(rootfile).read() == "fund=false\n",
          (p.returncode, p.stderr))
else:
    skip("another user's file", "chown needs root")

# Item 4: 30 parallel runs, each with its own scope, on one .npmrc: every entry lands.
npmrc = os.path.join(home, ".npmrc")
scopes = [f"@scope{i}" for i in range(30)]


def one(scope):
    return run(npm + ["--namespace", scope], env, timeout=60)


with ThreadPoolExecutor(max_workers=30) as pool:
    results = list(pool.map(one, scopes))
failed = [(rc, err) for rc, out, err in results if rc != 0]
check("30 parallel runs on one .npmrc all succeed", not failed, failed[:3])
text = open(npmrc).read()
missing = [s for s in scopes if f"{s}:registry=" not in text]
check("... and all 30 entries are in the file", not missing, missing)
cache = os.path.join(home, ".cache", "codeartifact-token")
check("... with the locks in the cache folder, none beside the file",
      sorted(os.listdir(home)) == [".cache", ".npmrc"] and any(n.startswith("configure-") for n in os.listdir(cache)),
      (os.listdir(home), os.listdir(cache) if os.path.isdir(cache) else None))

finish()
