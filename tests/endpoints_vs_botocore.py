#!/usr/bin/env python3
"""Cross-checks aws/endpoints.cpp against the botocore this runs with.

Usage: endpoints_vs_botocore.py ENDPOINTS_TOOL

1. The partition table (ENDPOINTS_TOOL --partitions) against botocore's data/partitions.json. When
   botocore is the release the table was transcribed from, any difference fails; with another release
   the differences are listed, and regions of partitions whose facts differ are left out below.
2. Every explicit region of every partition, one region per partition that only its regex matches, a few
   that match nothing, invalid and missing regions; for CodeArtifact and STS, with and without FIPS,
   dual-stack and an endpoint override, STS in regional and legacy mode: the tool's URL, signing region
   and partition, or its error, against botocore's own rule engine (EndpointProvider) run on botocore's
   rule sets and partitions, with the builtins botocore's client would pass (UseGlobalEndpoint from
   botocore.args.LEGACY_GLOBAL_STS_REGIONS).
3. A sample of the same through whole botocore clients (the URL and credential scope of the request
   they would send, caught before it is sent; no network).

Deliberate differences, not compared: without a region we fail even with an override (botocore fails
later, when it signs); with an override, botocore's client drops FIPS and dual-stack silently where the
rule sets (and we) reject the combination, so stage 3 leaves those out. Stage 3 also leaves out FIPS and
dual-stack for the pseudo-regions (aws-global, ...): botocore's client signs those for us-east-1, from its
legacy endpoints.json, where the rule sets sign for the region (their hosts do not exist anyway).
"""

import itertools
import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

for name in list(os.environ):
    if name.startswith("AWS_"):
        del os.environ[name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import botocore  # noqa: E402
import botocore.args  # noqa: E402
import botocore.exceptions  # noqa: E402
import botocore.session  # noqa: E402
import botocore.utils  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.endpoint_provider import EndpointProvider, RuleSetStandardLibrary  # noqa: E402

SERVICES = ("codeartifact", "sts")
# A region per partition that its regex matches but its explicit list lacks.
REGEX_ONLY = {
    "aws": "us-east-9",
    "aws-cn": "cn-south-7",
    "aws-eusc": "eusc-de-west-2",
    "aws-iso": "us-iso-north-2",
    "aws-iso-b": "us-isob-south-4",
    "aws-iso-e": "eu-isoe-north-5",
    "aws-iso-f": "us-isof-west-6",
    "aws-us-gov": "us-gov-central-3",
}
NO_PARTITION = ["mars-west-1", "local", "a", "x" * 63, "eusc-fr-east-1"]  # valid, in no partition: "aws"
INVALID = ["us west-2", "us-west-2/", "-us-west-2", "us-west-2-", "123", "us_west_2", "a.b", "x" * 64]
OVERRIDE = "https://override.example:8443/base"
FACT_KEYS = ("dnsSuffix", "dualStackDnsSuffix", "supportsFIPS", "supportsDualStack")

failures = []
notes = []


def fail(msg):
    failures.append(msg)


def run_tool(tool, lines):
    out = subprocess.run(
        [tool], input="".join(json.dumps(x) + "\n" for x in lines), capture_output=True, text=True, check=False
    )
    results = [json.loads(x) for x in out.stdout.splitlines()]
    if out.returncode != 0 or len(results) != len(lines):
        sys.exit(f"{tool} failed (exit {out.returncode}): {out.stderr.strip()}")
    return results


def compare_tables(ours, theirs, strict):
    """Returns the ids of partitions whose resolution facts agree."""
    report = fail if strict else notes.append
    ours_by_id = {p["id"]: p for p in ours}
    theirs_by_id = {p["id"]: p for p in theirs}
    for pid in theirs_by_id.keys() - ours_by_id.keys():
        report(f"partition {pid} is in botocore {botocore.__version__} but not in the table")
    for pid in ours_by_id.keys() - theirs_by_id.keys():
        notes.append(f"partition {pid}: botocore {botocore.__version__} does not know it; its regions are skipped")
    common_ours = [p["id"] for p in ours if p["id"] in theirs_by_id]
    common_theirs = [p["id"] for p in theirs if p["id"] in ours_by_id]
    if common_ours != common_theirs:
        report(f"partition order differs: table {common_ours}, botocore {common_theirs}")
    agree = set()
    for pid in common_ours:
        o, t = ours_by_id[pid], theirs_by_id[pid]
        if o["regionRegex"] != t["regionRegex"]:
            report(f"{pid}: regionRegex {o['regionRegex']!r} in the table, {t['regionRegex']!r} in botocore")
        if o["regions"] != list(t["regions"]):
            report(f"{pid}: regions {o['regions']} in the table, {list(t['regions'])} in botocore")
        if "implicitGlobalRegion" in t["outputs"]:
            if o["outputs"]["implicitGlobalRegion"] != t["outputs"]["implicitGlobalRegion"]:
                report(f"{pid}: implicitGlobalRegion differs")
        else:
            notes.append(f"{pid}: botocore {botocore.__version__} has no implicitGlobalRegion")
        differing = [k for k in FACT_KEYS if o["outputs"][k] != t["outputs"].get(k)]
        for k in differing:
            report(f"{pid}: {k} {o['outputs'][k]!r} in the table, {t['outputs'].get(k)!r} in botocore")
        if not differing:
            agree.add(pid)
        elif not strict:
            notes.append(f"{pid}: facts differ in botocore {botocore.__version__}; its regions are skipped")
    return agree


def botocore_expected(provider, stdlib, case):
    """What botocore's rule engine gives: ("url", url, signing_region, partition) or ("error", message)."""
    region = case["region"]
    try:
        botocore.utils.validate_region_name(region)
    except botocore.exceptions.InvalidRegionError:
        return ("error", "invalid region")
    params = {"Region": region, "UseFIPS": case["fips"], "UseDualStack": case["dualstack"]}
    if case.get("endpoint"):
        params["Endpoint"] = case["endpoint"]
    if case["service"] == "sts":
        params["UseGlobalEndpoint"] = (
            case["sts_regional_endpoints"] == "legacy" and region in botocore.args.LEGACY_GLOBAL_STS_REGIONS
        )
    try:
        ep = provider[case["service"]].resolve_endpoint(**params)
    except botocore.exceptions.EndpointResolutionError as e:
        return ("error", e.kwargs.get("msg", str(e)))
    signing_region = region
    for scheme in ep.properties.get("authSchemes", []):
        signing_region = scheme.get("signingRegion", signing_region)
    return ("url", ep.url, signing_region, stdlib.aws_partition(region)["name"])


def ours(result):
    if "url" in result:
        return ("url", result["url"], result["signing_region"], result["partition"])
    return ("error", result["error"])


def agree(expected, got):
    if expected[0] == "error" and expected[1] == "invalid region":
        return got[0] == "error" and got[1].startswith("invalid region ")
    return expected == got


class Captured(Exception):
    pass


def capture(request, **kwargs):
    auth = request.headers.get("Authorization", b"")
    if isinstance(auth, bytes):
        auth = auth.decode()
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []
    raise Captured(request.url, scope[2] if len(scope) > 2 else "")


_sessions = {}


def client_expected(case):
    """The request a whole botocore client would send: ("url", scheme://host[/path], signing_region), an
    error, or ("skip", why) when botocore cannot create the client."""
    mode = case.get("sts_regional_endpoints") or "regional"
    if mode not in _sessions:
        _sessions[mode] = botocore.session.get_session()
        _sessions[mode].set_config_variable("sts_regional_endpoints", mode)
    session = _sessions[mode]
    config = Config(use_fips_endpoint=case["fips"], use_dualstack_endpoint=case["dualstack"], retries={"max_attempts": 0})
    try:
        client = session.create_client(
            case["service"], region_name=case["region"], endpoint_url=case.get("endpoint") or None, config=config,
            aws_access_key_id="x", aws_secret_access_key="y",
        )
        client.meta.events.register("before-send", capture)
        if case["service"] == "sts":
            client.get_caller_identity()
        else:
            client.get_authorization_token(domain="my-domain")
    except Captured as c:
        url, signing_region = c.args
        parts = urlsplit(url)
        path = parts.path
        for suffix in ("/v1/authorization-token", "/"):
            if path.endswith(suffix):
                path = path[: -len(suffix)]
                break
        return ("url", f"{parts.scheme}://{parts.netloc}{path}", signing_region)
    except botocore.exceptions.EndpointResolutionError as e:
        return ("error", e.kwargs.get("msg", str(e)))
    except botocore.exceptions.EndpointVariantError as e:
        # Raised by the legacy resolver (endpoints.json) a client still runs when it is created.
        return ("skip", str(e))
    return ("error", "no request was sent")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tool = sys.argv[1]

    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    their_partitions = loader.load_data("partitions")
    table = json.loads(subprocess.run([tool, "--partitions"], capture_output=True, text=True, check=True).stdout)
    strict = botocore.__version__ == table["botocore_version"]
    agreeing = compare_tables(table["partitions"], their_partitions["partitions"], strict)

    provider = {
        s: EndpointProvider(loader.load_service_model(s, "endpoint-rule-set-1"), their_partitions) for s in SERVICES
    }
    stdlib = RuleSetStandardLibrary(their_partitions)

    # (region, the partition the table puts it in)
    regions = []
    for p in table["partitions"]:
        regions += [(r, p["id"]) for r in p["regions"]]
        if p["id"] in REGEX_ONLY:
            regions.append((REGEX_ONLY[p["id"]], p["id"]))
        else:
            fail(f"no regex-only sample region for partition {p['id']}: add one to REGEX_ONLY")
    regions += [(r, "aws") for r in NO_PARTITION]

    cases, skipped = [], 0
    variants = list(itertools.product(SERVICES, (False, True), (False, True), ("", OVERRIDE), ("regional", "legacy")))
    for (region, pid), (service, fips, dualstack, endpoint, mode) in itertools.product(regions, variants):
        if service == "codeartifact" and mode == "legacy":
            continue
        if pid not in agreeing:
            skipped += 1
            continue
        cases.append({"service": service, "region": region, "fips": fips, "dualstack": dualstack,
                      "endpoint": endpoint, "sts_regional_endpoints": mode, "_partition": pid})
    for region, (service, fips, dualstack, endpoint, mode) in itertools.product(INVALID, variants):
        cases.append({"service": service, "region": region, "fips": fips, "dualstack": dualstack,
                      "endpoint": endpoint, "sts_regional_endpoints": mode})

    results = run_tool(tool, [{k: v for k, v in c.items() if not k.startswith("_")} for c in cases])
    mismatches = 0
    for case, result in zip(cases, results):
        expected = botocore_expected(provider, stdlib, case)
        if expected[0] == "url" and "_partition" in case and expected[3] != case["_partition"]:
            # botocore puts the region in another partition than the table does.
            (fail if strict else notes.append)(f"{case['region']}: partition {expected[3]} in botocore, "
                                               f"{case['_partition']} in the table")
            continue
        got = ours(result)
        if not agree(expected, got):
            mismatches += 1
            fail(f"{json.dumps(case)}: botocore {expected}, ours {got}")

    # Missing region: always our error, whatever else is set.
    missing = [{"service": s, "region": "", "fips": f, "dualstack": d, "endpoint": e}
               for s, f, d, e in itertools.product(SERVICES, (False, True), (False, True), ("", OVERRIDE))]
    for case, result in zip(missing, run_tool(tool, missing)):
        if result.get("error", "").split(":")[0] not in ("no region", "Invalid Configuration"):
            fail(f"{json.dumps(case)}: expected an error, got {result}")

    # Whole clients, on a sample: per partition an explicit region with every variant, its global
    # pseudo-region and its regex-only region without FIPS and dual-stack; and no FIPS or dual-stack with
    # an override (see the docstring).
    sample = []
    for p in table["partitions"]:
        if p["id"] not in agreeing:
            continue
        sample += [(r, True) for r in p["regions"] if not r.endswith("-global")][:1]
        sample += [(r, False) for r in p["regions"] if r.endswith("-global")][:1]
        sample += [(REGEX_ONLY[p["id"]], False)] if p["id"] in REGEX_ONLY else []
    sample += [("eu-west-1", False), ("eu-south-1", False)]  # in and out of STS's legacy global list
    client_cases, client_skipped = [], []
    for (region, all_variants), (service, fips, dualstack, endpoint, mode) in itertools.product(sample, variants):
        if (service == "codeartifact" and mode == "legacy") or ((endpoint or not all_variants) and (fips or dualstack)):
            continue
        case = {"service": service, "region": region, "fips": fips, "dualstack": dualstack, "endpoint": endpoint,
                "sts_regional_endpoints": mode}
        expected = client_expected(case)
        if expected[0] == "skip":
            client_skipped.append(f"{service} {region}{' fips' if fips else ''}{' dualstack' if dualstack else ''}")
            continue
        client_cases.append((case, expected))
    for (case, expected), result in zip(client_cases, run_tool(tool, [c for c, _ in client_cases])):
        got = ours(result)
        if expected[0] == "url":
            got = got[:3]
        if expected != got:
            mismatches += 1
            fail(f"client {json.dumps(case)}: botocore {expected}, ours {got}")
    if client_skipped:
        notes.append(f"botocore {botocore.__version__} cannot create clients for {len(client_skipped)} cases "
                     f"(EndpointVariantError), e.g. {client_skipped[0]}")

    print(f"botocore {botocore.__version__} (table from {table['botocore_version']}, "
          f"{'strict' if strict else 'lenient'}): {len(cases)} rule-engine cases, {len(missing)} missing-region "
          f"cases, {len(client_cases)} client cases, {skipped} skipped, {mismatches} mismatches")
    for n in notes:
        print("note:", n)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
