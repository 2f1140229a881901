"""Containers and clusters: reading their state is fine; changing shared infrastructure needs a person."""

from __future__ import annotations

import re

from tcphw.contract import Risk
from tcphw.host.gate.analyse import Invocation, Output
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.shell import Word

S, L, M, H, K = Risk.SAFE, Risk.LOW_RISK, Risk.MEDIUM_RISK, Risk.HIGH_RISK, Risk.CRITICAL
_LEVEL = {S: A, L: A, M: C, H: R, K: X}

DOCKER: dict[str, tuple[Risk, str]] = {
    "ps": (S, "lists containers"),
    "images": (S, "lists images"),
    "logs": (S, "shows a container's output"),
    "inspect": (S, "shows details"),
    "version": (S, "prints versions"),
    "info": (S, "prints the daemon's state"),
    "stats": (S, "shows usage"),
    "top": (S, "lists a container's processes"),
    "port": (S, "lists port mappings"),
    "diff": (S, "lists changed files"),
    "history": (S, "shows an image's layers"),
    "search": (M, "searches a registry"),
    "events": (S, "shows events"),
    "network": (M, "manages networks"),
    "volume": (M, "manages volumes"),
    "build": (M, "builds an image"),
    "buildx": (M, "builds images"),
    "pull": (M, "downloads an image"),
    "run": (M, "runs a container"),
    "create": (M, "creates a container"),
    "start": (M, "starts a container"),
    "stop": (M, "stops a container"),
    "restart": (M, "restarts a container"),
    "kill": (M, "kills a container"),
    "exec": (H, "runs a command in a container"),
    "attach": (H, "attaches to a container"),
    "cp": (M, "copies files"),
    "rm": (M, "removes containers"),
    "rmi": (M, "removes images"),
    "tag": (L, "tags an image"),
    "push": (H, "publishes an image to a registry"),
    "login": (H, "stores registry credentials"),
    "logout": (M, "removes registry credentials"),
    "system": (M, "manages the daemon"),
    "prune": (H, "removes unused data"),
    "compose": (M, "runs the project's services"),
    "save": (M, "writes an image archive"),
    "load": (M, "loads images"),
    "export": (M, "writes a container's files"),
    "import": (M, "imports an image"),
    "commit": (M, "makes an image"),
    "context": (M, "switches daemons"),
    "swarm": (H, "manages a cluster"),
    "service": (H, "manages cluster services"),
    "stack": (H, "manages cluster stacks"),
    "node": (H, "manages cluster nodes"),
    "secret": (H, "manages secrets"),
    "config": (M, "manages configs"),
    "plugin": (H, "installs daemon plugins"),
    "container": (M, "manages containers"),
    "image": (M, "manages images"),
    "update": (H, "changes a running container's limits"),
    "pause": (M, "pauses a container"),
    "unpause": (M, "resumes a container"),
    "wait": (S, "waits for a container"),
    "rename": (M, "renames a container"),
    "scout": (M, "scans images"),
    "sbom": (S, "lists packages"),
    "manifest": (M, "manages manifests"),
    "trust": (H, "manages signing keys"),
    "init": (L, "writes Docker files"),
}
KUBECTL: dict[str, tuple[Risk, str]] = {
    "get": (M, "reads cluster objects"),
    "describe": (M, "reads cluster objects"),
    "logs": (M, "reads a pod's output"),
    "top": (M, "reads usage"),
    "explain": (S, "explains a resource"),
    "version": (M, "prints versions"),
    "api-resources": (M, "lists resources"),
    "api-versions": (M, "lists versions"),
    "cluster-info": (M, "reads the cluster"),
    "config": (M, "reads or changes kubeconfig"),
    "auth": (M, "checks permissions"),
    "events": (M, "reads events"),
    "diff": (M, "compares with the cluster"),
    "wait": (M, "waits for a condition"),
    "completion": (S, "prints completion"),
    "apply": (H, "changes cluster objects"),
    "create": (H, "creates cluster objects"),
    "delete": (H, "deletes cluster objects"),
    "edit": (H, "edits cluster objects"),
    "patch": (H, "changes cluster objects"),
    "replace": (H, "replaces cluster objects"),
    "scale": (H, "scales workloads"),
    "autoscale": (H, "changes scaling"),
    "rollout": (H, "manages rollouts"),
    "set": (H, "changes objects"),
    "label": (H, "changes labels"),
    "annotate": (H, "changes annotations"),
    "expose": (H, "exposes a service"),
    "run": (H, "runs a pod"),
    "exec": (H, "runs a command in a pod"),
    "attach": (H, "attaches to a pod"),
    "cp": (H, "copies files to or from a pod"),
    "port-forward": (M, "forwards a port"),
    "proxy": (M, "proxies the API"),
    "drain": (H, "evicts a node's pods"),
    "cordon": (H, "stops scheduling on a node"),
    "uncordon": (H, "resumes scheduling on a node"),
    "taint": (H, "changes node taints"),
    "certificate": (H, "approves certificates"),
    "debug": (H, "starts a debugging container"),
    "kustomize": (S, "renders a kustomization"),
    "plugin": (M, "lists plugins"),
    "certificates": (H, "approves certificates"),
}
_READ_SECRETS = re.compile(r"^(secrets?|secret/.*|secrets/.*)$")


def docker(inv: Invocation) -> None:
    args = list(inv.args)
    values = [w.value for w in args]
    i = 0
    while i < len(values) and values[i].startswith("-"):
        if values[i] in ("-H", "--host", "--context", "-c", "--config", "-l", "--log-level") and i + 1 < len(values):
            if values[i] in ("-H", "--host"):
                inv.find(R, "docker.remote", "talks to another Docker daemon", args[i : i + 2])
            i += 1
        i += 1
    sub = values[i] if i < len(values) else ""
    rest = args[i + 1 :]
    rv = [w.value for w in rest]
    if sub in ("container", "image", "volume", "network", "system", "builder", "context") and rv:
        sub2 = rv[0]
        mapped = {
            "ls": "ps" if sub == "container" else "images",
            "list": "ps" if sub == "container" else "images",
            "rm": "rm" if sub == "container" else "rmi",
            "prune": "prune",
            "inspect": "inspect",
            "df": "info",
            "logs": "logs",
            "run": "run",
            "exec": "exec",
            "stop": "stop",
            "start": "start",
        }
        if sub in ("volume", "network", "builder", "context") and sub2 in ("ls", "list", "inspect"):
            sub = "inspect"
        elif sub2 in mapped:
            sub = mapped[sub2]
        elif sub2 in DOCKER:
            sub = sub2  # "docker container update" is "docker update"
        rest = rest[1:]
        rv = rv[1:]
    inv.narrow()
    if not sub or sub in ("--version", "-v", "--help", "help"):
        inv.key("docker")
        inv.find(A, "docker.help", "prints the version or help", inv.argv)
        return
    entry = DOCKER.get(sub)
    if entry is None:
        inv.key("docker")
        inv.find(R, "docker.unknown", f"'{sub}' is no docker command the table knows", inv.argv[:2])
        return
    inv.key(f"docker {sub}")
    inv.find(_LEVEL[entry[0]], f"docker.{sub}", entry[1], [args[i]] if i < len(args) else inv.argv[:1])
    if sub == "inspect" and (any("Env" in v for v in rv) or not any(v.startswith(("-f", "--format")) for v in rv)):
        inv.find(R, "docker.inspect.env", "prints a container's environment, which holds its secrets", rest)
    if sub in ("run", "create"):
        _docker_run(inv, rest, rv)
    elif sub == "exec":
        _docker_exec(inv, rest, rv)
    elif sub == "compose":
        _compose(inv, rest, rv)
    elif sub in ("rm", "rmi", "stop", "kill"):
        if any(v.startswith("$(") for v in [w.raw for w in rest]) or "-a" in rv or "--all" in rv:
            inv.find(R, f"docker.{sub}.all", "acts on every container or image, not only the project's", rest)
    elif sub == "prune" or (sub == "system" and "prune" in rv):
        inv.find(R, "docker.prune", "removes every unused container, image, network or volume on the machine", rest)
    elif sub == "cp":
        ops = [w for w in rest if not w.value.startswith("-")]
        if len(ops) == 2 and ":" not in ops[1].value.split("/")[0]:
            inv.write(ops[1], "docker.cp.target")
        elif ops:
            inv.read(ops[0], "docker.cp.source")
    elif sub in ("build", "buildx", "image") and ("--push" in rv or any(v.startswith("--output=type=registry")
                                                                    or v == "type=registry" for v in rv)):  # fmt: skip
        inv.find(R, "docker.build.push", "pushes the built image to a registry", rest)
    elif sub == "build":
        for k, v in enumerate(rv):
            if v.startswith("--secret") or v.startswith("--ssh"):
                inv.find(C, "docker.build.secret", "passes a secret or an ssh agent into the build", rest[k : k + 1])
    elif sub == "login":
        inv.find(R, "docker.login", "stores registry credentials", rest)
    inv.output = Output("local")


def _docker_run(inv: Invocation, rest: list[Word], rv: list[str]) -> None:
    privileged = False
    mounts: list[tuple[str, str]] = []  # (path in the container, path on the host)
    k = 0
    image_index = None
    takes_value = {
        "-v",
        "--volume",
        "--mount",
        "-e",
        "--env",
        "--env-file",
        "-p",
        "--publish",
        "--name",
        "-w",
        "--workdir",
        "--network",
        "--net",
        "-u",
        "--user",
        "--entrypoint",
        "--cap-add",
        "--device",
        "--pid",
        "--ipc",
        "--uts",
        "--userns",
        "-h",
        "--hostname",
        "-l",
        "--label",
        "--platform",
        "--security-opt",
        "--cpus",
        "-m",
        "--memory",
        "--restart",
        "--add-host",
        "--dns",
        "--shm-size",
        "--tmpfs",
        "--ulimit",
        "--gpus",
        "--runtime",
        "--cgroupns",
        "--log-driver",
        "--health-cmd",
        "--stop-signal",
        "--cidfile",
        "--group-add",
        "-a",
        "--attach",
        "--expose",
        "--link",
        "--volumes-from",
        "--pull",
        "--init-path",
        "--cpu-shares",
        "--memory-swap",
        "--sysctl",
    }
    while k < len(rv):
        v = rv[k]
        if not v.startswith("-"):
            image_index = k
            break
        name, eq, value = v.partition("=")
        val = value if eq else (rv[k + 1] if name in takes_value and k + 1 < len(rv) else "")
        word = Word.literal(val)
        if name in ("--privileged",):
            privileged = True
            inv.find(R, "docker.privileged", "gives the container full access to the host (root)", rest[k : k + 1])
        elif name in ("-v", "--volume", "--mount"):
            host = (
                val.split(":", 1)[0]
                if name != "--mount"
                else dict(p.split("=", 1) for p in val.split(",") if "=" in p).get(
                    "source", dict(p.split("=", 1) for p in val.split(",") if "=" in p).get("src", "")
                )
            )
            if host and (host.startswith(("/", ".", "~", "$")) or host == "."):
                inside = val.split(":")[1] if name != "--mount" and val.count(":") >= 1 else dict(
                    p.split("=", 1) for p in val.split(",") if "=" in p).get("target", dict(
                        p.split("=", 1) for p in val.split(",") if "=" in p).get("dst", ""))  # fmt: skip
                if inside and "$" not in host:
                    home = inv.ctx.place.home
                    mounts.append((inside.rstrip("/") or "/", (home + host[1:]) if host.startswith("~") else host))
                t = inv.target(Word(val, host) if "$" not in host else Word(val, "\x00"))
                if host in ("/var/run/docker.sock", "/run/docker.sock"):
                    inv.find(R, "docker.socket", "gives the container the Docker socket (root on the host)", [word])
                elif t.zone in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT, Zone.TMP):
                    inv.find(C, "docker.mount", f"mounts {t.zone.value} into the container", [word])
                elif t.zone in (Zone.SYSTEM_ROOT, Zone.HOME_ROOT, Zone.SECRET, Zone.SYSTEM_CRITICAL, Zone.DEVICE):
                    ro = val.endswith((":ro", ",ro", "readonly"))
                    inv.find(
                        R,
                        "docker.mount-host",
                        f"mounts {t.zone.value} into the container"
                        + (" read-only" if ro else ", where it can change it as root"),
                        [word],
                    )
                else:
                    inv.find(R, "docker.mount-host", f"mounts {t.zone.value} into the container", [word])
        elif name in ("--pid", "--net", "--network", "--ipc", "--uts", "--userns", "--cgroupns") and val == "host":
            inv.find(R, "docker.host-namespace", "shares the host's namespaces with the container", [word])
        elif name in ("--pid", "--net", "--network", "--ipc") and val.startswith("container:"):
            inv.find(R, "docker.container-namespace", "joins another container's namespaces: it sees that "
                     "container's processes or traffic", [word])  # fmt: skip
        elif name == "--entrypoint" and val.rsplit("/", 1)[-1] in ("sh", "bash", "ash", "zsh", "dash"):
            inv.find(R, "docker.shell", "runs a shell as the container's program", [word])
        elif name in ("--cap-add", "--device", "--security-opt"):
            inv.find(R, "docker.capability", "widens the container's access to the host", [word])
        elif name in ("-e", "--env") and "=" not in val and val:
            inv.find(C, "docker.env", "passes a variable of this shell into the container", [word])
        elif name == "--env-file":
            inv.find(
                C, "docker.env-file", "passes the settings in a file (its secrets included) into the container", [word]
            )
        elif name in ("-p", "--publish", "-P", "--publish-all") and not val.startswith(("127.", "localhost")):
            inv.find(C, "docker.publish", "publishes a port of the container", [word])
        if name in takes_value and not eq:
            k += 2
        else:
            k += 1
    if image_index is not None and image_index + 1 < len(rest):
        cmd = rest[image_index + 1 :]
        inv.find(A, "docker.run.command", "runs a command inside the container", cmd)
        if privileged or mounts:
            # the container runs as root; where the host's folders are mounted, its paths are the host's
            # ("-v /:/host ... rm -rf /host/home/dev" deletes the host's home folder)
            inv.run([_host_path(w, mounts) for w in cmd], "docker run", root=True)


def _host_path(word: Word, mounts: list[tuple[str, str]]) -> Word:
    """A word of a command run in a container, with container paths under a mount turned into the host's."""
    value = word.value
    for inside, host in sorted(mounts, key=lambda m: -len(m[0])):
        pattern = re.escape(inside) + r"(?=/|$|\s|[\"'])"
        if re.search(r"(^|[\s\"'=>])" + pattern, value):

            def to_host(m: re.Match[str], host: str = host) -> str:  # host bound now, not when the loop moves on
                return m.group(1) + host.rstrip("/")

            value = re.sub(r"(^|[\s\"'=>])" + pattern, to_host, value)
            value = value.replace("//", "/")
    return Word(word.raw, value, word.glob, word.quoted) if value != word.value else word


def _docker_exec(inv: Invocation, rest: list[Word], rv: list[str]) -> None:
    k = 0
    while k < len(rv) and rv[k].startswith("-"):
        if rv[k] in ("-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file", "--detach-keys") and k + 1 < len(
            rv
        ):
            k += 1
        k += 1
    cmd = rest[k + 1 :]
    if cmd:
        inv.run(cmd, f"docker exec {rest[k].shown() if k < len(rest) else ''}".strip())


def _compose(inv: Invocation, rest: list[Word], rv: list[str]) -> None:
    sub = next((v for v in rv if not v.startswith("-")), "")
    inv.key(f"docker compose {sub}" if sub else "docker compose")
    if sub in ("ps", "logs", "ls", "images", "top", "version", "port", "events", "config"):
        names_only = any(v in ("--services", "--volumes", "--profiles", "--images", "--hash", "-q", "--quiet")
                         for v in rv)  # fmt: skip
        level = R if sub == "config" and not names_only else A
        inv.find(
            level,
            f"docker.compose.{sub}",
            "prints the project's services"
            if sub != "config"
            else "prints the services' configuration with the .env values filled in",
            rest,
        )
        return
    if sub == "down" and any(v in ("-v", "--volumes", "--rmi") for v in rv):
        inv.find(R, "docker.compose.down-volumes", "deletes the project's volumes and their data", rest)
        return
    if sub in ("push",):
        inv.find(R, "docker.compose.push", "publishes images", rest)
        return
    inv.find(C, f"docker.compose.{sub or 'run'}", "runs or changes the project's services", rest)
    if sub in ("exec", "run"):
        ops = [w for w in rest if not w.value.startswith("-")]
        if len(ops) > 2:
            inv.run(ops[2:], f"docker compose {sub}")


def kubectl(inv: Invocation) -> None:
    args = list(inv.args)
    values = [w.value for w in args]
    i = 0
    while i < len(values) and values[i].startswith("-"):
        if (
            "=" not in values[i]
            and values[i]
            in (
                "-n",
                "--namespace",
                "--context",
                "--kubeconfig",
                "-s",
                "--server",
                "--cluster",
                "--user",
                "-l",
                "--selector",
            )
            and i + 1 < len(values)
        ):
            i += 1
        i += 1
    sub = values[i] if i < len(values) else ""
    rest = args[i + 1 :]
    rv = [w.value for w in rest]
    inv.narrow()
    if not sub or sub in ("--help", "help"):
        inv.key("kubectl")
        inv.find(A, "kubectl.help", "prints help", inv.argv)
        return
    entry = KUBECTL.get(sub)
    if entry is None:
        inv.key("kubectl")
        inv.find(
            R,
            "kubectl.unknown",
            f"'{sub}' is no kubectl command the table knows (a plugin may do anything)",
            inv.argv[:2],
        )
        return
    inv.key(f"kubectl {sub}")
    inv.find(_LEVEL[entry[0]], f"kubectl.{sub}", entry[1], args[i : i + 1])
    dry = any(v.startswith("--dry-run") and not v.endswith("=none") for v in rv)
    if dry and entry[0] >= H:
        inv.part.findings = [f for f in inv.part.findings if f.rule != f"kubectl.{sub}"]
        inv.find(C, f"kubectl.{sub}.dry-run", "only shows what it would change", rest)
        return
    if (
        sub == "get"
        and rv
        and (_READ_SECRETS.match(rv[0]) or rv[0].startswith("secret"))
        and any(v in ("-o", "--output") or v.startswith(("-o", "--output=")) for v in rv)
        and not any(v in ("name", "-oname", "--output=name") for v in rv)
    ):
        inv.find(R, "kubectl.secrets", "prints cluster secrets", rest)
        inv.part.secret_reads.append(len(inv.part.findings) - 1)
        inv.output = Output("secret")
    for k, v in enumerate(values):
        path = v.split("=", 1)[1] if v.startswith("--kubeconfig=") else (
            values[k + 1] if v == "--kubeconfig" and k + 1 < len(values) else None)  # fmt: skip
        if path is not None:
            t = inv.target(Word.literal(path))
            if t.zone not in (Zone.SECRET, Zone.WORKSPACE):
                inv.find(R, "kubectl.kubeconfig", f"uses a kubeconfig from {t.zone.value}, whose credential plugins "
                         "run commands", [args[k]])  # fmt: skip
    if sub in ("proxy", "port-forward") and any(("--address" in v or "--accept-hosts" in v) and "127.0.0.1" not in v
                                                 and "localhost" not in v for v in rv):  # fmt: skip
        inv.find(R, f"kubectl.{sub}.exposed", "exposes the cluster API, with the user's credentials, to the network",
                 rest)  # fmt: skip
    if sub == "rollout" and rv[:1] and rv[0] in ("status", "history"):
        inv.part.findings = [f for f in inv.part.findings if f.rule != "kubectl.rollout"]
        inv.receive(None, "kubectl.rollout.read", "reads a rollout's state")
    if sub == "config" and rv[:1] and rv[0] in ("view",) and "--raw" in rv:
        inv.find(R, "kubectl.config.raw", "prints the kubeconfig with its credentials", rest)
    elif (
        sub == "config"
        and rv[:1]
        and rv[0]
        in (
            "set",
            "set-context",
            "set-credentials",
            "set-cluster",
            "delete-context",
            "delete-cluster",
            "unset",
            "use-context",
            "rename-context",
        )
    ):
        inv.find(R, "kubectl.config.change", "changes ~/.kube/config", rest)
    if sub == "delete" and (
        "--all" in rv or "-A" in rv or "--all-namespaces" in rv or rv[:1] in (["namespace"], ["ns"], ["pv"], ["node"])
    ):
        inv.find(X, "kubectl.delete.all", "deletes whole namespaces, volumes, nodes or every object of a kind", rest)
    if sub == "exec" and "--" in rv:
        inv.run(rest[rv.index("--") + 1 :], "kubectl exec")
    inv.output = Output("network")


def descriptors() -> dict[str, tuple[Risk, str]]:
    return {**{f"docker {k}": v for k, v in DOCKER.items()}, **{f"kubectl {k}": v for k, v in KUBECTL.items()}}
