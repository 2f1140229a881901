"""Cloud and infrastructure command lines: aws, gcloud, az, terraform. Reading their state is a network call
(CAUTION); printing credentials, changing infrastructure and destroying it need a person or are refused."""

from __future__ import annotations

import re

from tcphw.host.gate.analyse import Invocation, Output, program
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.shell import Word

_READ_VERB = re.compile(r"^(describe|list|get|show|ls|view|info|status|whoami|version|help|search|lookup|head|"
                        r"tail|logs|filter-log-events|check|test|validate|estimate|wait|query|scan|inspect|read|"
                        r"print-settings|config-list|batch-get)([-_].*)?$")  # fmt: skip
_SECRET_CALL = re.compile(r"(get-secret-value|secrets?\s+versions\s+access|get-parameters?\b.*--with-decryption|"
                          r"print-access-token|print-identity-token|print-refresh-token|get-login-password|"
                          r"get-access-token|keyvault\s+secret\s+show|export-credentials|get-session-token|"
                          r"assume-role|get-authorization-token|configure\s+get\s+\S*(secret|key|token)|"
                          r"application-default\s+print)", re.I)  # fmt: skip
_DESTROY_CALL = re.compile(r"^(delete|remove|terminate|destroy|purge|drop|rb|rm|deregister|disable|stop|detach|"
                           r"revoke|cancel|reset|wipe)([-_].*)?$")  # fmt: skip


@program("aws", "gcloud", "gsutil", "az", "doctl", "linode-cli", "oci", "ibmcloud", "s3cmd", "heroku", "fly",
         "flyctl", "vercel", "netlify", "firebase", "wrangler", "eksctl", "ansible", "ansible-playbook",
         "pulumi", "cdk", "sam", "serverless", "sls", "gcloud-beta")  # fmt: skip
def _cloud(inv: Invocation) -> None:
    inv.narrow()
    words = [w.value for w in inv.args if not w.value.startswith("-")]
    text = " ".join(w.value for w in inv.args)
    values = [w.value for w in inv.args]
    if not words or values in (["--version"], ["version"], ["--help"], ["help"]):
        inv.find(A, f"{inv.name}.help", "prints the version or help", inv.argv)
        return
    inv.key(f"{inv.name} {words[0]}")
    if any(v in ("--dry-run", "--dryrun") for v in values) and not _SECRET_CALL.search(text):
        inv.receive(None, f"{inv.name}.dry-run", "only checks or shows what it would do")
        return
    if _SECRET_CALL.search(text):
        inv.find(R, f"{inv.name}.secret", "prints a credential, token or secret value", inv.argv)
        inv.output = Output("secret")
        return
    if inv.name in ("ansible", "ansible-playbook"):
        if "--syntax-check" in values or "--list-tasks" in values or "--list-hosts" in values:
            inv.find(A, "ansible.check", "only parses the playbook", inv.argv)
        elif "--check" in values:
            inv.find(C, "ansible.dry-run", "connects to the hosts to show what would change", inv.argv)
        else:
            inv.find(R, "ansible.run", "runs tasks on the inventory's machines", inv.argv)
        return
    # "aws s3 cp", "gsutil cp", "s3cmd put": uploads and downloads by where the operands are
    # option values are not operands ("--acl public-read", "--region eu-west-1"); flags that take none are listed
    flags = {"--recursive", "--dryrun", "--quiet", "--delete", "--no-progress", "--follow-symlinks",
             "--exact-timestamps", "--size-only", "--only-show-errors", "--no-sign-request", "--force", "--debug",
             "--human-readable", "--summarize", "-r", "-R", "-m", "-n", "-q"}  # fmt: skip
    if inv.name in ("aws", "gsutil", "s3cmd") and words:
        plain: list[str] = []
        k = 0
        while k < len(values):
            v = values[k]
            if v.startswith("-"):
                k += 1 if (v in flags or "=" in v) else 2
                continue
            plain.append(v)
            k += 1
        words = plain
        if "--acl" in values and any(
            values[k + 1].startswith("public") for k, v in enumerate(values[:-1]) if v == "--acl"
        ):
            inv.find(R, f"{inv.name}.public", "makes the files readable by anyone on the internet", inv.argv)
    if words[:2] in (["s3", "cp"], ["s3", "sync"], ["s3", "mv"]) or (
        inv.name in ("gsutil", "s3cmd") and words[:1] and words[0] in ("cp", "rsync", "mv", "put", "sync")
    ):
        ops = [Word.literal(v) for v in words if v not in ("s3", "cp", "sync", "mv", "put", "rsync")]
        remote = [w for w in ops if re.match(r"^(s3|gs|az)://", w.value)]
        if ops and ops[-1].value == "-" and remote:
            inv.receive(remote[0].value, f"{inv.name}.download", "prints a file from cloud storage")
        elif ops and remote and not re.match(r"^(s3|gs|az)://", ops[-1].value):
            inv.receive(remote[0].value, f"{inv.name}.download", "downloads from cloud storage")
            inv.write(ops[-1], f"{inv.name}.download")
        elif remote:
            for w in ops[:-1]:
                if not re.match(r"^(s3|gs|az)://", w.value):
                    inv.read(w, f"{inv.name}.upload")
            inv.send(remote[-1].value, f"{inv.name}.upload", "copies local files to cloud storage")
            # aws s3 sync --delete, s3cmd sync --delete-removed, gsutil rsync -d: files gone from the source go
            if "--delete" in values or "--delete-removed" in values or ("rsync" in words[:2] and "-d" in values):
                inv.find(R, f"{inv.name}.delete", "deletes files in cloud storage", inv.argv)
        return
    verbs = [w for w in words[1:4]]
    if any(_DESTROY_CALL.match(v) for v in verbs) or words[0] in ("rb", "rm", "del", "delete", "destroy"):
        inv.find(R, f"{inv.name}.destroy", "deletes or stops cloud resources", inv.argv)
        if "--force" in values or "--recursive" in values or "--all" in values:
            inv.find(X, f"{inv.name}.destroy-all", "deletes cloud resources in bulk, with no way back", inv.argv)
        return
    if words[0] in ("configure", "config", "auth", "login", "logout", "init") and not any(
            _READ_VERB.match(v) for v in verbs):  # fmt: skip
        inv.find(R, f"{inv.name}.credentials", "changes the stored credentials or settings", inv.argv)
        return
    if any(_READ_VERB.match(v) for v in verbs) or words[0] in ("sts", "ls", "logs", "whoami", "info", "status"):
        inv.receive(None, f"{inv.name}.read", "reads cloud state")
        return
    inv.find(R, f"{inv.name}.change", "changes cloud resources", inv.argv)


@program("terraform", "tofu", "terragrunt", "packer", "vagrant", "nomad", "consul-template")
def _terraform(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    words = [v for v in values if not v.startswith("-")]
    sub = words[0] if words else ""
    inv.key(f"{inv.name} {sub}" if sub else inv.name)
    if inv.name == "vagrant":
        # the project's own virtual machines, from its Vagrantfile
        if sub in ("status", "global-status", "ssh-config", "version", "validate", "box", "port", "help", ""):
            inv.find(A if sub != "box" or words[1:2] == ["list"] else R, "vagrant.read", "reads the project's VMs",
                     inv.argv)  # fmt: skip
        elif sub in ("up", "reload", "resume", "halt", "suspend", "provision", "snapshot"):
            inv.find(C, f"vagrant.{sub}", "starts, stops or provisions the project's own VM", inv.argv)
        elif sub in ("destroy", "prune"):
            inv.find(R, "vagrant.destroy", "deletes the project's VM and its disks", inv.argv)
        else:
            inv.find(R, f"vagrant.{sub}", "opens a shell in, or changes, a virtual machine", inv.argv)
        return
    if not sub or sub in ("version", "-version", "--version", "help", "fmt", "validate", "providers", "graph"):
        if sub == "fmt" and "-check" not in values and "-diff" not in values:
            inv.find(C, f"{inv.name}.fmt", "rewrites the project's files", inv.argv)
        else:
            inv.find(A, f"{inv.name}.read", "reads the configuration", inv.argv)
        return
    if sub == "output":
        names = words[1:]
        if any(re.search(r"(?i)(pass|secret|token|key|credential)", n) for n in names) or "-json" in values or (
                not names and "-raw" in values):  # fmt: skip
            inv.find(R, f"{inv.name}.secret", "prints outputs that hold secrets", inv.argv)
        else:
            inv.find(A, f"{inv.name}.output", "prints an output value", inv.argv)
        return
    if sub == "state" and words[1:2] in (["pull"], ["show"]):
        inv.find(R, f"{inv.name}.state", "prints the state, which holds every secret of the infrastructure", inv.argv)
        return
    if sub in ("plan", "init", "get", "show", "console", "workspace", "state", "refresh", "status", "ssh-config"):
        level = C if sub != "state" or words[1:2] in (["list"],) else R
        inv.find(level, f"{inv.name}.{sub}", "reads providers and remote state", inv.argv)
        return
    if sub in ("destroy",) or (sub == "apply" and "-destroy" in values):
        inv.find(X if "-auto-approve" in values else R, f"{inv.name}.destroy", "destroys the infrastructure",
                 inv.argv)  # fmt: skip
        return
    inv.find(R, f"{inv.name}.{sub}", "changes real infrastructure", inv.argv)


__all__ = ["Word"]


_REMOTE_REPO = re.compile(r"^(rest:|s3:|sftp:|b2:|azure:|gs:|swift:|rclone:|ssh://|[a-z0-9.-]+@[^:]+:|[a-z]+://)", re.I)


@program("restic", "borg", "duplicity", "kopia", "rdiff-backup", "bup", "rsnapshot", "duply", "restic-rest")
def _backup(inv: Invocation) -> None:
    """Backup tools: what they back up is read (and sent, where the repository is remote); forgetting and pruning
    snapshots destroys backups."""
    inv.narrow()
    values = [w.value for w in inv.args]
    takes = {"-r", "--repo", "--repository", "--password-file", "-p", "--exclude", "-e", "--exclude-file",
             "--files-from", "--tag", "--host", "--keep-last", "--keep-daily", "--keep-weekly", "--keep-monthly",
             "--keep-within", "--target", "-t", "--cache-dir", "--compression", "-C", "--comment",
             "--iexclude"}  # fmt: skip
    words = [
        w for k, w in enumerate(inv.args) if not w.value.startswith("-") and not (k > 0 and values[k - 1] in takes)
    ]
    sub = words[0].value if words else ""
    inv.key(f"{inv.name} {sub}" if sub else inv.name)
    repo = next((inv.args[k + 1].value for k, v in enumerate(values[:-1]) if v in ("-r", "--repo", "--repository")),
                None) or next((v.split("=", 1)[1] for v in values if v.startswith(("--repo=", "--repository="))),
                              None) or inv.ctx.env.get("RESTIC_REPOSITORY") or inv.ctx.env.get("BORG_REPO")  # fmt: skip
    if repo is None:
        repo = next((w.value for w in words[1:] if "::" in w.value or _REMOTE_REPO.match(w.value)), None)
    remote = repo is not None and bool(_REMOTE_REPO.match(repo))
    if any(v in ("--dry-run", "-n", "--dryrun") for v in values):
        inv.find(A, f"{inv.name}.dry-run", "only shows what it would do", inv.argv)
        return
    if sub in ("backup", "create", "full", "incremental", "incr") or inv.name in ("duplicity", "rdiff-backup", "bup"):
        sources = [w for w in words[1:] if w.value != repo and "::" not in w.value and not _REMOTE_REPO.match(w.value)]
        for w in sources:
            inv.read(w, f"{inv.name}.source")
        if remote:
            inv.send(repo, f"{inv.name}.upload", "copies files into a backup repository on another machine")
        elif repo is not None:
            inv.write(Word.literal(repo.split("::", 1)[0].rstrip("/") + "/x"), f"{inv.name}.backup")
        else:
            inv.find(C, f"{inv.name}.backup", "copies files into a local backup repository", inv.argv[:2])
    elif sub in ("forget", "prune", "delete", "purge", "remove", "remove-all-but-n-full", "remove-older-than",
                 "compact", "key", "unlock", "migrate", "repair", "rebuild-index", "cleanup", "rotate"):  # fmt: skip
        inv.find(R, f"{inv.name}.destroy", "deletes or rewrites backups", inv.argv)
    elif sub in ("restore", "extract", "mount", "recover", "dump", "copy"):
        target = next((inv.args[k + 1] for k, v in enumerate(values[:-1]) if v in ("--target", "-t")), None)
        if target is None and inv.name == "borg" and sub == "extract":
            target = Word.literal("./x")  # borg extracts into the current folder
        if target is not None:
            inv.write(target, f"{inv.name}.restore")
        else:
            inv.find(R, f"{inv.name}.restore", "restores files over their original places", inv.argv)
    elif sub in ("init", "config"):
        inv.find(C if not remote else R, f"{inv.name}.init", "creates or configures a backup repository", inv.argv)
    else:
        if remote:
            inv.receive(repo, f"{inv.name}.read", "reads a backup repository on another machine")
        else:
            inv.find(A, f"{inv.name}.read", "lists or checks backups", inv.argv)


@program("virsh", "virt-install", "virt-clone", "virt-manager", "vboxmanage", "VBoxManage", "multipass", "lxc",
         "incus", "limactl")  # fmt: skip
def _virtual_machines(inv: Invocation) -> None:
    """Virtual machines on this host: reading their state is fine; creating, changing or destroying them, or
    their storage, is a change to the machine."""
    inv.narrow()
    values = [w.value for w in inv.args]
    words = [v for v in values if not v.startswith("-")]
    sub = words[0] if words else ""
    inv.key(f"{inv.name} {sub}" if sub and inv.name not in ("virt-install", "virt-clone") else inv.name)
    if re.match(r"^(list|dominfo|domstate|dumpxml|pool-list|vol-list|net-list|nodeinfo|capabilities|version|"
                r"info|show|showvminfo|ls|status|domblklist|domifaddr|snapshot-list|help)$",
                sub) or not sub:  # fmt: skip
        inv.find(A, f"{inv.name}.read", "reads virtual machines' state", inv.argv)
        return
    if re.match(r"^(undefine|destroy|delete|vol-delete|pool-delete|pool-destroy|unregistervm|purge|rm)$", sub):
        inv.find(R, f"{inv.name}.destroy", "stops or deletes virtual machines or their storage", inv.argv)
        return
    inv.find(R, f"{inv.name}.change", "creates or changes virtual machines, networks or storage on this host",
             inv.argv)  # fmt: skip


@program("xauth")
def _xauth(inv: Invocation) -> None:
    inv.narrow()
    sub = next((w.value for w in inv.args if not w.value.startswith("-")), "list")
    if sub in ("list", "extract", "nextract", "nlist"):
        inv.find(R, "xauth.secret", "prints X authorisation cookies, which let anyone use the display", inv.argv)
    else:
        inv.find(R, "xauth.change", "changes X authorisation cookies", inv.argv)
