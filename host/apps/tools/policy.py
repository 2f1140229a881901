"""The fail-safe risk policy: signals read from a tool's documentation, and how they combine.

A signal is a pattern over one part of the documentation (the man section, the one-line summary of
what the tool is for, the first sentence of its description, its option and command descriptions, or
the whole text) and the level it gives. The decision is the strictest level of every signal that fired;
where none fired, the tool is MEDIUM_RISK ("no evidence it is read-only"). APPROVE (SAFE or LOW_RISK)
therefore needs positive evidence: a summary (or, where the summary names no verb, the description's
first sentence) that says the tool reads and prints, or a small change that is easily undone. Absence
of evidence is never SAFE. A summary that only reads is evidence strong enough that the domain it reads
(storage, processes, ...) does not raise the level; what still does is a destructive option, a command
on the page that changes things, or a summary about one other running process.

``SIGNALS`` is the one table; ``docs/tools.md`` shows it (``policy_table()``), and every reason
quotes the words that matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from tcphw.contract import Flag, Risk
from tcphw.host.apps.tools.manpage import entries_text

if TYPE_CHECKING:
    from tcphw.host.apps.tools.evidence import Evidence

S, L, M, H, C = Risk.SAFE, Risk.LOW_RISK, Risk.MEDIUM_RISK, Risk.HIGH_RISK, Risk.CRITICAL
ROOT, DESTROY, NET, FILES, SYSTEM, PRIV = (
    int(Flag.REQUIRES_ROOT),
    int(Flag.DESTRUCTIVE),
    int(Flag.NETWORK_ACCESS),
    int(Flag.FILE_MODIFICATION),
    int(Flag.SYSTEM_MODIFICATION),
    int(Flag.PRIVILEGE_ESCALATION),
)

# The verbs of a summary that only reads: the tool's first verb is one of these.
READ_VERBS = (
    r"print|prints|display|displays|show|shows|list|lists|report|reports|output|outputs|count|search|find|locate|"
    r"query|queries|compare|compares|dump|dumps|view|examine|identify|determine|look up|filter|concatenate|"
    r"paginate|page through|number|sort|wrap|translate|decode|encode|calculate|compute|evaluate|estimate|"
    r"summari[sz]e|do nothing|wait|parse|scan|reverse|demangle|convert addresses|collect statistics|strip|"
    r"check (?:file types|whether|if)|checksum|delay|follow|produce|perform|format and print|merge lines|"
    r"join lines|columnate|tell how|see if|detect|get|describe|play back|view|pager|"
    r"convert (?:tabs|spaces|numbers|text)|lightweight finger|identify|investigate|look at|format|formats|"
    r"formatter|generates?(?![^\n]*\b(?:files?|index|archive|database|cache|maps?|keys?|key ?pairs?)\b)|"
    r"disassemble|annotate|"
    r"validate|test if|test whether|guess|match|retrieve|decoder|displayer|viewer|browser|dumper|read|grep|check which|"
    r"(?:remove|delete|translate)\w*\s+(?:\w+\s+){0,2}(?:characters|columns|sections from each line)"
)
_READ_SUMMARY = re.compile(
    rf"^\W*(?:(?:GNU|BSD|simple|a|an|another|the|also|and|tool|utility|to|program|command|that|which|\w+ly)\s+){{0,3}}"
    rf"(?:{READ_VERBS})s?\b"
    r"|\b(?:on|to) (?:the )?standard output\b|\bstdout\b|\bstatistics\b|\binformation (?:about|on|"
    r"from)\b|\bperusal\b|\b(?:viewer|browser|displayer|dumper|decoder)\W*$",
    re.IGNORECASE,
)
# The first sentence of DESCRIPTION, where the summary line has no verb ("DMI table decoder"): "dmidecode is a
# tool for dumping ...", "The jps command lists ...", "xlsfonts lists ...".
_READ_GERUNDS = (
    r"printing|displaying|dumping|listing|reporting|showing|querying|viewing|examining|decoding|searching|"
    r"comparing|counting|inspecting|analy[sz]ing|reading"
)
_READ_DESCRIPTION = re.compile(
    rf"^\W*(?:the\s+)?[\w.+-]+(?:\s+(?:command|utility|program|tool|script))?\s+(?:"
    rf"(?:is|are)\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,3}}?(?:for|to|that)\s+(?:{_READ_GERUNDS}|{READ_VERBS})"
    rf"|(?:{READ_VERBS})s?|(?:can be used to|is used to|will|simply)\s+(?:{READ_VERBS}))\b"
    r"|\b(?:to|on) (?:the )?(?:standard output|stdout)\b",  # "..., writing to standard output."
    re.IGNORECASE,
)
# A summary that reads a domain but also names one of these changes it.
MODIFY_VERBS = (
    r"change|changes|set|sets|configure|modify|create|make|add|remove|delete|load|unload|insert|attach|detach|enable|"
    r"disable|start|stop|restart|activate|deactivate|resize|grow|extend|shrink|reduce|move|rename|convert|"
    r"import|export|split|merge|mount|unmount|umount|install|uninstall|upgrade|manage|manipulate|administer|"
    r"edit|tune|adjust|configure|(?<!access )control|freeze|unfreeze|update|write|restore|replace|flush|reset|"
    r"initiali[sz]e|"
    r"allocate|trim|discard|repair|fix|setup|set up|assign|apply|unlock|encrypt|clear|kill|signal|"
    r"run|execute|schedule|forget|inform|switch|alter|reorgani[sz]e|copy|wipe|erase|zap|"
    r"backup|rebuild|defragment|enforce|resume|suspend|prepare|register|deregister|relabel|unpack|extract|"
    r"decompress|uncompress|compile|overwrite"
)
_MODIFY = rf"(?<![\w-])(?<!for )(?<!the )(?<!of )(?<!any )(?<!no )(?:{MODIFY_VERBS})(?:s|es)?\b(?!-)"
# A change, or an action on something else that can be one ("send a message to a message bus", "issue LDAP extended
# operations", "a tool for working with D-Bus objects"): with one of these a summary does more than talk to a service.
_CHANGE_OR_ACT = _MODIFY + r"|\b(?:send|sends|issue|issues|work\w* with|handl\w+|operat\w+)\b"


# Capitalised change verbs that open a command's description on a page ("up DEVICE... Bring devices up.").
CHANGE_COMMANDS = (
    r"Bring|Brings|Delete|Deletes|Remove|Removes|Reload|Reloads|Reconfigure|Reconfigures|Set|Sets|Change|"
    r"Changes|Create|Creates|Add|Adds|Kill|Kills|Start|Starts|Stop|Stops|Restart|Restarts|Enable|Enables|Disable|"
    r"Disables|Mask|Unmask|Load|Loads|Unload|Unloads|Reset|Resets|Clear|Clears|Flush|Flushes|Renew|Renews|Release|"
    r"Releases|Write|Writes|Install|Installs|Uninstall|Uninstalls|Edit|Edits|Modify|Modifies|Apply|Applies|Activate|"
    r"Activates|Deactivate|Deactivates|Mount|Mounts|Unmount|Unmounts|Attach|Attaches|Detach|Detaches|Rename|Renames|"
    r"Move|Moves|Wipe|Wipes|Erase|Erases|Format|Formats|Suspend|Suspends|Resume|Resumes|Reboot|Reboots|Halt|Halts|"
    r"Send|Sends|Drop|Drops|Import|Imports|Update|Updates|Revert|Reverts|Freeze|Freezes|Thaw|Thaws|Lock|Locks|"
    r"Unlock|Unlocks|Destroy|Destroys|Overwrite|Overwrites|Restore|Restores|Upgrade|Upgrades|Purge|Purges"
)

READ_ONLY_SKIP = -1

# The parts a signal can read: of the documentation, then of the evidence beyond it (``evidence.Evidence.parts``).
Part = Literal[
    "summary",  # what the tool says it is for: the man page's NAME line, else the first line of --help
    "reading summary",  # the summary, where it says the tool only reads (else empty)
    "reading description",  # the description's first sentence, where it gives that evidence instead
    "filter description",  # the words that make it a filter to standard output (see decide())
    "section",  # the man section
    "text",  # the whole page
    "options",  # the paragraphs that start with an option
    "commands",  # the COMMANDS sections and Commands: blocks
    "description",  # the whole DESCRIPTION section
    "option entries",  # every option and command, one a line: "KEY: its description" (manpage.entries)
    "libraries",  # the shared libraries the executable needs, one a line
    "imports",  # its telling imported functions (binary.TELLING_IMPORTS)
    "file mode",  # "setuid", "setgid", "file capabilities"
    "script commands",  # the commands a script calls that change the system (binary.SCRIPT_COMMANDS)
    "install directory",  # where it was found: /usr/sbin, /usr/bin, ...
    "package section",  # its Debian package's Section
    "package tags",  # its package's Debtags
]
PARTS: tuple[str, ...] = get_args(Part)
EVIDENCE_PARTS = PARTS[PARTS.index("libraries") :]


@dataclass(frozen=True)
class Signal:
    """Where ``pattern`` matches ``where``, the tool is at least ``risk`` and has ``capabilities``.

    Checked when it is made, so a table with a misspelt part or cap fails when the module loads."""

    name: str
    where: Part
    pattern: re.Pattern[str]
    risk: Risk
    reason: str
    capabilities: int = 0
    # Where the summary only reads: None fires as usual; READ_ONLY_SKIP does not fire (a writer's signal on a
    # reader); any other level caps it (a domain signal on a reader: reading a sensitive domain is CAUTION).
    when_read_only: int | None = None
    # Where the summary names the domain but neither reads nor changes it ("LDAP search tool", "D-Bus proxy"): the
    # tool talks to it, and gets at most this level. None: the full level.
    when_no_change: Risk | None = None

    def __post_init__(self) -> None:
        if self.where not in PARTS:
            raise ValueError(f"signal {self.name}: it reads {self.where!r}, which is none of {', '.join(PARTS)}")
        if not re.fullmatch(r"[a-z][a-z0-9-]*", self.name):
            raise ValueError(f"signal {self.name!r}: a name is lower-case words joined by '-'")
        if self.when_read_only not in (None, READ_ONLY_SKIP, *(int(r) for r in Risk)):
            raise ValueError(f"signal {self.name}: when_read_only {self.when_read_only!r} is not a level")
        if self.when_read_only not in (None, READ_ONLY_SKIP) and self.when_read_only >= self.risk:
            raise ValueError(f"signal {self.name}: its cap for a reader is not below its level")
        if self.capabilities & ~int(sum(int(f) for f in (ROOT, DESTROY, NET, FILES, SYSTEM, PRIV))):
            raise ValueError(f"signal {self.name}: capabilities {self.capabilities:#x} are not capability flags")


def _s(
    name: str,
    where: Part,
    pattern: str,
    risk: Risk,
    reason: str,
    caps: int = 0,
    when_read_only: int | None = None,
    when_no_change: Risk | None = None,
) -> Signal:
    return Signal(name, where, re.compile(pattern, re.IGNORECASE), risk, reason, caps, when_read_only, when_no_change)


_DESTROY_VERB = (
    r"remove|removes|delete|deletes|erase|erases|wipe|wipes|overwrite|overwrites|destroy|destroys|shred|shreds"
)
_DEVICE_OBJECT = r"(?:devices?|disks?|drives?|partitions?|volumes?|file ?systems?|superblocks?|swap|arrays?|blocks?)"
_DATA_OBJECT = rf"(?:files?|director(?:y|ies)|data|{_DEVICE_OBJECT}|signatures?|tables?|snapshots?|subvolumes?)"

SIGNALS: tuple[Signal, ...] = (
    # Positive evidence: the only signals that allow APPROVE.
    # Their texts are empty unless decide() accepted them as evidence ("query or modify" matches a reading verb).
    _s("reads-only", "reading summary", _READ_SUMMARY.pattern, S, "its summary says it reads and prints"),
    _s(
        "reads-only-described",
        "reading description",
        _READ_DESCRIPTION.pattern,
        S,
        "its summary names no change and the first sentence of its description says it reads and prints",
    ),
    _s(
        "filter-described",
        "filter description",
        r"\S.*",  # the words decide() found (filter_evidence): only set where nothing but writing files fired
        S,
        "the first two sentences of its description say it is a filter or send its output to standard output, "
        "and nothing but the signals of writing files fired",
    ),
    _s(
        "small-change",
        "summary",
        r"^\W*(?:create|make)s?\s+(?:a\s+|an\s+|new\s+|empty\s+|temporary\s+|named\s+|hard\s+|symbolic\s+)*"
        r"(?:director(?:y|ies)|links?|temporary files?|empty files?|fifos?|pipes?)\b|\bchange file timestamps"
        r"|\b(?:write|send)s? (?:a )?messages? to (?:all |another |other )?(?:users?|terminals?|the system log)\b",
        L,
        "it creates directories, links or temporary files, or sends a message: small and easily undone",
        FILES,
    ),
    # Destruction, in what the tool is for.
    _s(
        "erases",
        "summary",
        rf"\b(?:erase|wipe|destroy|shred|zap|overwrite|discard)\w*\b(?:\W+\w+){{0,6}}?\W+{_DATA_OBJECT}"
        r"|\bsecurely delete|\bsecure_?deletion\b|\b(?:swap|disk|memory)\s+wiper\b"
        r"|\bwrit\w*\s+(?:\w+\s+){0,3}?patterns?\s+(?:on|to|onto)\b"  # "write patterns on disk/file"
        # restoring an image onto a device or partition overwrites it
        r"|\brestor\w*\b(?:\W+[\w-]+){0,4}?\W+(?:to|onto)\W+(?:\w+\W+){0,2}?(?:devices?|disks?|partitions?)\b"
        r"|\b(?:clone|restore)\w*\b(?:\W+\w+){0,3}?\W+partitions?\b"
        r"|\berase\w*\b(?:\W+\w+){0,3}?\W+(?:flash|chips?|eeproms?)\b",
        C,
        "its purpose is to erase, wipe or overwrite data (or restore an image onto a device)",
        DESTROY,
    ),
    _s(
        "writes-registers",
        "summary",
        r"\b(?:set|write|writing)\w*\b(?:\W+[\w/-]+){0,4}?\W+registers?\b",
        C,
        "it writes hardware registers: a wrong value can hang or damage the machine",
        SYSTEM | ROOT,
    ),
    _s(
        "formats",
        "summary",
        r"\b(?:create|make|build|format(?!ted)|initiali[sz]e)\w*\b(?:\W+(?!(?:on|in|inside|within)\b)[\w/-]+){0,6}?\W+"
        r"(?:(?:file ?system|partition table|swap area|swap space|physical volume)s?|disks?)\b"
        r"|\b(?:create|make)\w*\b.*\bformatted (?:partitions?|disks?|volumes?|devices?)\b"
        r"|\b(?:partition table|partitions?)\b.*\b(?:manipulat|edit|creat|rewrit)|\b(?:manipulat|"
        r"edit)\w*\b.*\bpartition",
        C,
        "it creates file systems, partition tables or swap (erasing what was there)",
        DESTROY | SYSTEM | ROOT,
    ),
    _s(
        "deletes-files",
        "summary",
        r"\b(?:remove|delete|unlink)(?!d\b)\w*\s+(?!empty)(?:\w+\s+){0,2}(?:files?|director(?:y|ies)|entries)\b"
        r"|\bcall the unlink\b",
        C,
        "its purpose is to delete files",
        DESTROY | FILES,
    ),
    _s(
        "removes-storage",
        "summary",
        r"\b(?:remove|delete|destroy)(?!d\b)\w*\b(?:\W+[\w()]+){0,4}?\W+"
        r"(?:volume|partition|array|subvolume|snapshot|device|disk|pool|label|superblock|database|cluster)s?\b",
        C,
        "its purpose is to remove volumes, partitions, arrays or devices",
        DESTROY | SYSTEM,
    ),
    _s(
        "shrinks",
        "summary",
        r"\b(?:shrink|reduce|truncat)\w*\b.*\b(?:size|files?|volumes?)\b",
        H,
        "it can shrink or cut short, losing data",
        DESTROY,
    ),
    _s(
        "repairs",
        "summary",
        r"\brepair\w*\b|\bfix\w*\b(?:\W+\w+){0,3}?\W+(?:file ?systems?|disks?|partitions?|volumes?|databases?|tables?|"
        r"errors?|damage\w*|corrupt\w*|inconsisten\w*|bad blocks|superblocks?|images?|archives?)\b",
        H,
        "it repairs (rewrites what it finds damaged)",
        SYSTEM,
    ),
    _s(
        "power",
        "summary",
        r"\b(?:power ?off|reboot|halt|shut ?down|run ?level|suspend|hibernate)\b",
        C,
        "it stops, suspends or restarts the machine",
        SYSTEM,
    ),
    _s(
        "privilege",
        "summary",
        r"\b(?:run|execute|become|edit)\w*\b.*\b(?:as (?:another|the super|a different) ?user|as root|superuser|"
        r"other privilege|privilege settings)|\bsubstitute user|\bbecome (?:another user|root|superuser)"
        r"|\bsuper-user\b",  # "Kerberized super-user" (ksu)
        C,
        "it runs commands with other privileges",
        PRIV | SYSTEM,
    ),
    # Domains: what the tool works on. Each fires unless the summary only reads it.
    _s(
        "storage",
        "summary",
        r"\b(?:block devices?|devices?|disks?|drives?|file ?systems?|partitions?|volumes?|swap|superblock|raid|"
        r"md arrays?|loop devices?|zram|luks|encrypted|mount\w*|unmount\w*|quotas?|tape|ext[234]|xfs|"
        r"btrfs|fat|vfat|ntfs|f2fs|exfat|squashfs|minix|iso9660|CD-RW?|CDs?|DVD(?:[-+]RW?)?s?|Blu-?rays?|"
        r"optical discs?|overlay ?fs)\b"
        r"(?<!multi-volume)",
        H,
        "it works on block devices, file systems, partitions, volumes, swap or optical discs",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "kernel",
        "summary",
        r"\b(?:kernel|modules?|namespaces?|sysctl|cgroups?|cpus?|memory blocks?|hotplug|watchdog|line discipline|"
        r"selinux|apparmor|security context|security profiles?|audit rules?|capabilit\w*|boot|initramfs)\b",
        H,
        "it changes the kernel, its modules or namespaces",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "processes",
        "summary",
        r"(?<!^)(?<!and/or )(?<!or )\b(?:process(?:es)?(?! (?:an?|the|each|all|input|data|files?|streams?|text|images?|"
        r"documents?|audio|video)\b)|scheduling|scheduler|priority|affinity|niceness|oom|ipc|semaphores?|"
        r"shared memory|message queues?|resource limits?|utilization clamp\w*)\b",
        H,
        "it changes running processes, their scheduling or priority",
        SYSTEM,
        when_read_only=S,
    ),
    _s(
        "accounts",
        "summary",
        r"\b(?:users?|(?<!volume )groups?(?! of)|accounts?|passwords?|login shells?|shadow|sudoers|gshadow|passwd)\b",
        H,
        "it changes accounts, groups or passwords",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "network-config",
        "summary",
        r"\b(?:firewall|packet filter\w*|netfilter|iptables|nftables|ebtables|arptables|rout(?:e|es|ing)|"
        r"network interfaces?|network devices?|network driver|hardware settings|bridge|tunnels?|"
        r"traffic control|arp|dns records?|dynamic dns|devlink|rdma|"
        r"tipc|vdpa|data center bridging)\b",
        H,
        "it changes the network configuration or the firewall",
        SYSTEM | NET | ROOT,
        when_read_only=S,
    ),
    _s(
        "services",
        "summary",
        r"\b(?:system services?|services? manager|daemons?|systemd|init scripts?|run level|cron|"
        r"scheduled|later|at queue|batch|"
        r"alternatives|triggers?|diversions?|getty|message bus|d-?bus|system bus|"
        r"(?:postgresql|mysql|mariadb|sql|ldap) (?:databases?|clusters?)|database clusters?|ldap|directory entr\w+|"
        r"system(?:'s)? (?:host ?name|locale|keyboard|settings|configuration)|"
        r"global (?:\w+ )?settings|machine id|hardware database|/etc/\S+|system extension\w*)\b",
        H,
        "it changes system services, scheduled jobs or system configuration",
        SYSTEM,
        when_read_only=S,
        when_no_change=M,
    ),
    _s(
        "time",
        "summary",
        r"\b(?:system clock|hardware clock|rtc|time ?zone|set (?:the )?(?:date|time)|alarm)\b",
        H,
        "it sets the clock or time",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "packages",
        "summary",
        r"\b(?:packages?(?! and compress)|keyring|trusted keys|key management|sources\.list|"
        r"(?<!git )(?<!subversion )(?<!cvs )(?<!mercurial )repositor(?:y|ies)(?! of source))\b",
        H,
        "it installs, removes or changes packages",
        SYSTEM | NET,
        when_read_only=S,
    ),
    # Programs that run or attach to other programs.
    _s(
        "hardware",
        "summary",
        r"\b(?:(?:i2c|isa|pci|smbus|hardware|device) registers?|i2c|smbus|eeproms?|firmware|u?efi|boot manager|tpm|"
        r"boot entr\w+|bios settings)\b",
        H,
        "it changes hardware registers, firmware or boot entries",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    # Families held-out 14 showed the page's verbs cannot see (their errors, read after its blind measurement):
    # a bus that moves machines, radios and their pairings, chips whose memory is written, and the machine's own
    # management controller. None of them is capped by a summary that only shows: each tool of these families
    # can act on the hardware (isel "shows" the event log and -d clears it).
    _s(
        "field-bus",
        "text",
        r"(?-i:\bCAN)\s+(?:bus(?:es)?|interfaces?|frames?|ids?|netdevs?|network)\b|\bsocket ?CAN\b|\bJ1939\b|"
        r"\bISO-?TP\b",
        H,
        "it sends or listens on a CAN bus, which drives vehicles, machines and controllers",
        SYSTEM,
    ),
    _s(
        "radio-control",
        "text",
        r"\b(?:bluetooth|bluez|rfcomm)\b[^.\n]{0,40}?\b(?:control\w*|configur\w*|manag\w*|monitor\w*|attach\w*)\b|"
        r"\b(?:control\w*|configur\w*|manag\w*|monitor\w*)\b[^.\n]{0,25}?\b(?:bluetooth|bluez|rfcomm)\b",
        H,
        "it controls, configures or monitors Bluetooth radios and the devices paired with them",
        SYSTEM,
    ),
    _s(
        "programs-chips",
        "text",
        r"\bin-system programming\b|\bon-chip debug\w*|\b(?:MCU|microcontroller)s?\b[^.\n]{0,30}?\bprogramm\w*|"
        r"\bEEPROM programming\b|\bprogramm\w*\b[^.\n]{0,30}?\b(?:EEPROM|fuses)\b",
        C,
        "it erases and writes the memory of chips and microcontrollers",
        DESTROY | SYSTEM,
    ),
    _s(
        "management-controller",
        "text",
        r"\bIPMI\b|\bbaseboard management controller\b|(?-i:\bBMC\b)",
        H,
        "it talks to the machine's management controller, which powers, resets and reflashes the machine",
        SYSTEM | ROOT,
    ),
    _s(
        "probes-hardware",
        "summary",
        r"\b(?:detect|probe|scan)\w*\b(?:\W+\w+){0,3}?\W+(?:chips?|hardware|bus(?:es)?|i2c|smbus|sensors?)\b",
        M,
        "it probes hardware buses, which can disturb the devices on them",
        SYSTEM,
    ),
    _s(
        "interpreter",
        "summary",
        r"\b(?:interpreter|programming language|scripting language|processing language|command language|"
        r"shell|sql (?:shell|interpreter|client|prompt)|(?:run|execut|issu)\w* (?:\w+ ){0,2}sql|runtime|"
        r"(?:java|bytecode|lua|erlang|parrot|\w+ language) virtual machine|launch\w* (?:a |an )?\w+ application|"
        r"evaluate\w* (?:\w+, )*(?:declarations|statements|expressions)|"
        r"(?:cli|client|shell|console|front-?end)\s+(?:to|for)\s+(?:the\s+)?(?:\w+/)?(?:mysql|mariadb|postgresql|sqlite\w*|"
        r"redis\S*|mongo\w*)|(?:mysql|mariadb|postgresql|redis|sqlite3?)\s+(?:cli|client|shell|console))\b",
        H,
        "it runs arbitrary code",
        FILES | NET | SYSTEM,
    ),
    _s(
        "debugger",
        "summary",
        r"\b(?:debugger|tracer|ptrace|trace\w* (?:\w+ ){0,2}calls|attach\w* to|core dumps?|"
        r"core files?|gcore|peek\w*)\b",
        H,
        "a debugger or tracer that runs or attaches to other programs",
        SYSTEM,
    ),
    _s(
        "credentials",
        "summary",
        r"\b(?:passwords?|passphrases?|credentials?|password hashes|secret keys?|private keys?|WEP|WPA\w*|"
        r"pre-shared keys?|"
        r"shadow (?:file|passwords?))\b",
        H,
        "it handles passwords, keys or other credentials: reading them is already sensitive",
        PRIV,
        when_read_only=M,
    ),
    _s(
        "attacks",
        "summary",
        r"\b(?:crack\w*|brute-?forc\w*|bruteforc\w*|denial[- ]of[- ]service|fuzz\w*|exploit\w*|"
        r"(?:logon|login|password|network) (?:cracker|auditor)|proof of concept|poc tool)",
        H,
        "it attacks: cracks keys or passwords, brute-forces logins, fuzzes or floods services, even where its verb "
        "only reads",
        NET | PRIV,
    ),
    _s(
        "scans-networks",
        "summary",
        r"\b(?:network|port|web|host|snmp|dns|ssl|tls|netbios|sip|wi-?fi|wireless|vulnerabilit\w*|extension line|"
        r"ip)\s+(?:\w+\s+)?(?:scann\w*|scans?|enumerat\w*|fingerprint\w*|busting)\b"
        r"|\b(?:scan\w*|enumerat\w*|fingerprint\w*|probe\w*)\b(?:\W+[\w/-]+){0,3}?\W+(?:networks?|hosts?|servers?|"
        r"ports?|domains?|web ?sites?|web application\w*|firewalls?|shares)\b"
        r"|\benumerat\w+ (?:\w+ ){0,3}(?:dns|smb|domains?|subdomains?)\b",
        H,
        "it scans, enumerates or fingerprints other hosts and networks, even where its verb only reads",
        NET,
    ),
    _s(
        "administers",
        "summary",
        r"\badminist\w*|\badmin (?:tool|program|utility|client|interface)\b",
        H,
        "it administers a system, a service or a database",
        SYSTEM,
        when_read_only=S,
    ),
    _s(
        "backups",
        "summary",
        r"\bback(?:s|ing)?[ -]?ups?\b|\bbackup\w*|\brestor\w*|\bsync\w*\b(?:\W+\w+){0,5}?\W+(?:cloud|remote)\b",
        H,
        "it backs up, restores or syncs: restoring overwrites files, and a backup repository's commands delete",
        FILES | DESTROY,
        when_read_only=S,
    ),
    _s(
        "virtualization",
        "summary",
        r"\b(?:virtual machines?|vms?|containers?|hypervisors?|libvirt|guests?|sandbox\w*|jails?)\b",
        H,
        "it works on virtual machines, containers or sandboxes",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "intercepts",
        "summary",
        r"\b(?:sniff\w*|spoof\w*|forg(?:e|es|ing)\b|flood\w*|intercept\w*|monkey-in-the-middle|man-in-the-middle|"
        r"mitm\b|inject\w*|hijack\w*|promiscuous|"
        r"(?:dump|captur|record)\w*\s+(?:and\s+\w+\s+)?(?:\w+\s+){0,2}?(?:network\s+)?(?:traffic|packets)\b)",
        H,
        "it sniffs, intercepts, forges or floods network traffic, even where its verb only reads",
        NET,
    ),
    _s(
        "traces",
        "summary",
        r"\btracing\b|\b(?:generate|record|collect|capture)\w*\s+(?:\w+\s+){0,2}traces?\b",
        H,
        "it sets up tracing (of the kernel, devices or programs), even where its verb only reads",
        SYSTEM,
    ),
    _s(
        "runs-programs",
        "summary",
        r"\b(?:run|execute|invoke|launch|start)\w*\b.*\b(?:commands?|programs?|scripts?)",
        M,
        "it runs other commands",
    ),
    # Network clients, compilers and writers of files.
    _s(
        "network-client",
        "summary",
        r"\b(?:download|upload|transfer|fetch|remote|url|https?|ssh|ftp|dns|domain name|servers?|"
        r"clients?|network hosts?|"
        r"ping|probes?|packets?|whois|mail|[\w-]+\.(?:org|com|net|io)|"
        r"connect\w* to (?:a |the )?(?:remote|servers?|hosts?|"
        r"network)|port scanner|network exploration|traffic on a network|listens? on (?:a |the )?(?:socket|port))\b",
        M,
        "it talks to the network",
        NET,
    ),
    _s(
        "network-described",
        "description",
        r"\b(?:quer(?:y|ies|ied)|contacts?|connects?|sends?|asks?|downloads?|fetch\w*|retriev\w*)\b[^.]{0,60}?"
        r"\b(?:(?<!X )servers?|nameservers?|hosts?|remote|network|internet)\b|\bover the network\b"
        r"|\blisten\w* on (?:a |the )?(?:\w+ )?(?:socket|port)|\baccepts? (?:\(?\w+\)? )?connections\b",
        M,
        "its description says it queries or fetches from other hosts, even where its summary only reads",
        NET,
    ),
    _s(
        "compiler",
        "summary",
        r"\b(?:compil\w+|assembler|linker|link editor|archives?|archiver|object files?|preprocess\w*|"
        r"makefile|maintain program|build\w*)\b",
        M,
        "a compiler, linker or archiver that writes files",
        FILES,
        when_read_only=READ_ONLY_SKIP,
    ),
    _s(
        "writes-files",
        "summary",
        r"\b(?:copy|copies|move|moves|rename|renames|extract|compress|decompress|uncompress|edit|edits|patch|"
        r"synchroni[sz]e|install|installs|compressor|decompressor|replace|replaces|rewrite|overwrite|"
        r"write(?!\s+(?:a\s+)?messages?)|writes|"
        r"convert|converts|recompress|split|join)\b",
        M,
        "it writes or replaces files",
        FILES,
        when_read_only=READ_ONLY_SKIP,
    ),
    # The whole text: man section, privileges, options.
    _s(
        "changing-commands",
        "commands",
        rf"(?:^|\n)\s+(?-i:{CHANGE_COMMANDS})\b[^\n]*",  # case-sensitive: a sentence's first word
        H,
        "its page lists a command that changes things",
        SYSTEM,
        when_read_only=M,
    ),
    _s(
        "another-process",
        "summary",
        r"\b(?:a|one|the|specified|given|running)\s+(?:[\w-]+\s+){0,2}(?:process|pid|JVM)\b(?!es)",
        M,
        "it looks inside one other running process, which can mean attaching to it",
        SYSTEM,
    ),
    _s(
        "kills",
        "summary",
        r"\bkills?\b(?! (?:it|them)\b)",
        H,
        "it kills programs or processes",
        SYSTEM,
    ),
    _s(
        "terminal",
        "summary",
        r"\b(?:set|change|initiali[sz]e|clear|reset)\w*\b.*\bterminal|\bterminal (?:initiali[sz]ation|attributes|"
        r"line settings)|\btabs on a terminal",
        L,
        "it changes the settings of the terminal it runs in: small and easily undone",
    ),
    _s(
        "admin-section",
        "section",
        r"^8$",
        H,
        "a system administration command (man section 8) whose summary does not say it only reads",
        ROOT,
        when_read_only=S,
    ),
    _s(
        "needs-root",
        "text",
        r"\b(?:must be (?:run as )?(?:root|superuser)|run as root|requires? (?:root|superuser)|root privileges?|"
        r"superuser privileges?|CAP_[A-Z_]{3,}|privileged user)\b",
        H,
        "it needs root privileges or capabilities, and its summary does not say it only reads",
        ROOT,
        when_read_only=S,
    ),
    _s(
        "destroys-device-data",
        "options",
        rf"\b(?:{_DESTROY_VERB})\b(?:\s+(?:all|the|existing|any|whole|entire|every|its|on|of|a))*\s+"
        r"(?:data|devices?|disks?|drives?|partitions?|volumes?|file ?systems?|superblocks?|signatures?|blocks?)\b",
        H,
        "an option erases or overwrites data on a device",
        DESTROY,
    ),
    _s(
        "warns-data-loss",
        "text",
        r"\b(?:erase|destroy|overwrite)s?\s+(?:all\s+|any\s+)?(?:the\s+)?(?:existing\s+)?data\b|"
        r"\bwrites? (?:\w+ ){0,3}?(?:to|onto) the (?:given|specified|target) (?:device|disk|partition)\b|"
        r"\bdata\s+(?:will\s+be|is|are|may\s+be)\s+"
        r"(?:lost|destroyed|overwritten)\b|\bcannot\s+be\s+undone\b|\birreversibl\w*|\b(?:test|option|"
        r"mode)\s+is\s+destructive\b"
        r"|\bnon-?\s*destructive\b",
        H,
        "its page warns that it can destroy data",
        DESTROY,
    ),
    _s(
        "kills-processes",
        "options",
        r"\bkill\w*\b(?:\s+\w+){0,3}?\s+process\w*|\bsends? (?:a |the )?signal\w* to (?:the )?(?:process|pid)\w*",
        H,
        "an option kills or signals processes",
        SYSTEM,
    ),
    _s(
        "changes-by-default",
        "options",
        r"(?:--read-only|--dry-run|--no-act|--simulate|\bread-only mode\b|\bno changes? (?:will be|are) made\b|"
        r"without (?:making |writing )?(?:any )?changes)",
        M,
        "it has a read-only or dry-run option, so by default it changes things",
        FILES,
        when_read_only=READ_ONLY_SKIP,
    ),
    _s(
        "destructive-option",
        "options",
        rf"\b(?:{_DESTROY_VERB})\b(?:\s*\([^)\n]{{1,30}}\))?"  # "Delete (unlink) files"
        r"(?:\s+(?:all|the|existing|any|original|source|destination|target|output|input|matching|old|its|each))*"
        r"\s+(?:files?|director(?:y|ies)|trees?|archives?|entries|snapshots?)\b",
        M,
        "an option removes, erases or overwrites files",
        FILES,
    ),
    _s(
        "no-preserve-root",
        "text",
        r"(?<![\w-])--no-preserve-root\b",
        H,
        "it can work recursively on / (--no-preserve-root)",
        SYSTEM,
    ),
    _s(
        "in-place",
        "text",
        r"(?<![\w-])(?:--in-place\b|-i\[SUFFIX\])",
        M,
        "it can edit files in place (--in-place)",
        FILES,
    ),
    _s(
        "runs-found",
        "text",
        r"(?<![\w-])-(?:delete|exec)\b",
        M,
        "it can delete, or run commands on, what it finds (-delete, -exec)",
        FILES,
    ),
    # Each option and command on its own: the summary does not cap what one of them does ("finds duplicate files",
    # and "-d --delete: ... deleting all others").
    _s(
        "destroys-in-a-mode",
        "option entries",
        r"(?m)^[^:\n]*:[^\n]*?\b(?:delet|eras|wip|destroy|shred)\w*\b(?:\s+(?:the|any|every|each|existing|"
        r"other|those|its|selected|matching))*\s+(?:duplicates|others|all (?:data|files|others|duplicates)|data|"
        r"everything|(?:block )?devices?|disks?|drives?|partitions?|file ?systems?)\b",
        H,
        "one of its options or commands deletes, erases or overwrites files or data, whatever the summary says",
        DESTROY | FILES,
    ),
    # The file itself, read and never run (binary.py).
    _s(
        "captures-packets",
        "imports",
        r"\b(?:pcap_open_live|pcap_create)\b",
        H,
        "it opens live packet capture (libpcap): it can see other programs' traffic",
        NET | ROOT,
    ),
    _s(
        "injects-packets",
        "imports",
        r"\b(?:pcap_inject|pcap_sendpacket|libnet_init)\b",
        H,
        "it sends raw packets (libpcap or libnet)",
        NET | ROOT,
    ),
    _s(
        "imports-namespaces",
        "imports",
        r"\b(?:chroot|unshare|setns|pivot_root)\b",
        H,
        "it imports chroot, unshare or setns: it enters or makes namespaces or another root",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "imports-mount",
        "imports",
        r"\b(?:mount|umount2?|fsmount|move_mount|mount_setattr|swapon|swapoff)\b",
        H,
        "it imports mount, umount or swapon: it mounts file systems",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "imports-reboot",
        "imports",
        r"\b(?:reboot|kexec_load|kexec_file_load)\b",
        H,
        "it imports reboot or kexec: it can restart the machine",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "imports-modules",
        "imports",
        r"\b(?:init_module|finit_module|delete_module)\b",
        H,
        "it imports init_module or delete_module: it loads or unloads kernel modules",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "imports-accounts",
        "imports",
        r"\b(?:putpwent|putspent|lckpwdf|pam_chauthtok)\b",
        H,
        "it imports putpwent, putspent, lckpwdf or pam_chauthtok: it writes the password or shadow file",
        SYSTEM | ROOT | PRIV,
        when_read_only=S,
    ),
    _s(
        "imports-hostname",
        "imports",
        r"\b(?:sethostname|setdomainname)\b",
        H,
        "it imports sethostname: it renames the machine",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "imports-port-io",
        "imports",
        r"\b(?:iopl|ioperm)\b",
        H,
        "it imports iopl or ioperm: it reads and writes hardware I/O ports",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "setuid-file",
        "file mode",
        r"\bsetuid\b",
        H,
        "its file is setuid: it runs with its owner's privileges, whoever starts it",
        ROOT | PRIV,
        when_read_only=S,
    ),
    _s(
        "script-services",
        "script commands",
        r"\b(?:systemctl|service|invoke-rc\.d|update-rc\.d|shutdown|reboot|halt|poweroff|telinit)\b",
        H,
        "it is a script that calls systemctl, service or similar: it starts, stops or configures services",
        SYSTEM,
        when_read_only=S,
    ),
    _s(
        "script-kernel",
        "script commands",
        r"\b(?:modprobe|insmod|rmmod|sysctl|kexec|update-initramfs|update-grub|grub-install|efibootmgr)\b",
        H,
        "it is a script that calls modprobe, sysctl or a boot loader tool: it changes the kernel or the boot",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
    _s(
        "script-accounts",
        "script commands",
        r"\b(?:useradd|userdel|usermod|groupadd|groupdel|chpasswd|passwd|adduser|deluser|gpasswd)\b",
        H,
        "it is a script that calls useradd, passwd or similar: it changes accounts",
        SYSTEM | ROOT,
        when_read_only=S,
    ),
)


def check_table(signals: tuple[Signal, ...]) -> None:
    """Every signal once, by name (each signal's part, level and caps are checked when it is made)."""
    names = [x.name for x in signals]
    if len(set(names)) != len(names):
        raise ValueError(f"signal names are not unique: {sorted({n for n in names if names.count(n) > 1})}")


check_table(SIGNALS)  # when the module loads

NO_EVIDENCE = "MEDIUM_RISK: no evidence it is read-only (no signal in its documentation says it only reads)"


@dataclass(frozen=True)
class Fired:
    signal: Signal
    quote: str
    risk: Risk  # the signal's level, or its cap where the summary only reads or names no change
    capped_by: str = "reading"  # why the level is below the signal's: "reading" or "no change"

    def reason(self) -> str:
        s = self.signal
        why = {
            "reading": "its summary only reads",
            "no change": "its summary names it but no change: the tool talks to it",
        }[self.capped_by]
        capped = f" (capped: {why})" if self.risk < s.risk else ""
        return f"{self.risk.name}: {s.reason}{capped} [{s.name}] ({s.where}: '{self.quote}')"


@dataclass(frozen=True)
class Decision:
    risk: Risk
    capabilities: int
    fired: tuple[Fired, ...]
    reasons: tuple[str, ...]


_SECTION = re.compile(r"^\s*[\w.+\[\]-]+\((\d)\w*\)")
_NAME_SEP = re.compile(r"\s+(?:--?|—|–|\\-)\s+")


def man_section(doc: str) -> str | None:
    """The man section from the page's header line ("BADBLOCKS(8) ...")."""
    first = next((line for line in doc.splitlines() if line.strip()), "")
    match = _SECTION.match(first)
    return match.group(1) if match else None


def summary_line(doc: str) -> str:
    """What the tool says it is for: the man page's NAME line, else the first non-usage line."""
    lines = [line.strip() for line in doc.splitlines()]
    for i, line in enumerate(lines):
        if line in ("NAME", "Name"):  # mtools' pages (texinfo-generated) use mixed-case headings
            rest = []
            for x in lines[i + 1 : i + 5]:
                if not x or x.isupper():
                    break
                rest.append(x)
            text = " ".join(rest)
            parts = _NAME_SEP.split(text, maxsplit=1)
            return parts[-1]
    for line in lines:
        if line and not re.match(r"(usage|or\b|\s*-)", line, re.IGNORECASE):
            return line
    return ""


_OPTION_START = re.compile(r"^\s*(?:-{1,2}[\w?]|\+\w)")


def option_text(doc: str) -> str:
    """The option descriptions: paragraphs (or lines of --help) that start with an option."""
    keep: list[str] = []
    inside = False
    for line in doc.splitlines():
        if _OPTION_START.match(line):
            inside = True
        elif not line.strip() or (line[:1].strip() and not line.startswith(" ")):
            inside = bool(line.strip()) and False
        if inside:
            keep.append(line.strip())
    return "\n".join(keep)


_COMMANDS_HEADING = re.compile(
    r"^(?:[A-Z ]*COMMANDS?[A-Z ]*|\S.*\b[Cc]ommands?:"
    r"|\s{1,4}(?:\S.*)?\b(?:[Cc]ommands|[Ss]ubcommands|[Mm]odes)\b.*)\s*$"  # an indented sub-heading ("   Modes")
)


def command_text(doc: str) -> str:
    """The command descriptions: sections (or sub-sections) of a man page headed COMMANDS or Modes, and blocks
    of --help headed "Commands:"."""
    keep: list[str] = []
    inside = False
    for line in doc.splitlines():
        if _COMMANDS_HEADING.match(line):
            inside = True
            continue
        indent = len(line) - len(line.lstrip())
        if line.strip() and indent <= 4 and not line.lstrip().startswith("-"):
            inside = False  # the next section or sub-section
        if inside:
            keep.append(line)
    return "\n".join(keep)


def _quote(text: str, match: re.Match[str]) -> str:
    """The matched words, widened to whole words so a reason never quotes a cut-off word."""
    start, end = match.start(), match.end()
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] in "_-"):
        end += 1
    words = " ".join(text[start:end].split())
    return words if len(words) <= 80 else words[:77].rsplit(" ", 1)[0] + " ..."


# Where only the description says the tool reads, these still stop raising the level; the domains give CAUTION.
LIFTED_BY_DESCRIPTION = frozenset({"admin-section", "needs-root"})


def _description_lines(doc: str) -> list[str]:
    """The lines of the man page's DESCRIPTION section, up to the next heading."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip() not in ("DESCRIPTION", "Description"):
            continue
        out: list[str] = []
        for x in lines[i + 1 :]:
            if x[:1].strip():
                break
            out.append(x.strip())
        return out
    return []


def _joined(lines: list[str]) -> str:
    return re.sub(r"-\s+(?=[a-z])", "", " ".join(lines))  # hyphenation joined


def description_sentence(doc: str) -> str:
    """The first sentence of the man page's DESCRIPTION (hyphenation joined); "" without one."""
    lines = _description_lines(doc)
    para: list[str] = []
    for x in lines:
        if not x:
            if para:
                break
            continue
        para.append(x)
    return next(iter(sentences(_joined(para))), "")


def sentences(text: str) -> list[str]:
    """The sentences of a line of prose: each up to a full stop, semicolon or colon that ends a word."""
    return [x.strip() for x in re.findall(r".+?(?:[.;:](?=\s|$)|$)", text) if x.strip()]


def description_text(doc: str) -> str:
    """The whole DESCRIPTION section as one line; "" without one."""
    return _joined([x for x in _description_lines(doc) if x])


def _weak_read(summary: str) -> str | None:
    """The summary's reading verb where it is a weak one (``_WEAK_READ``), else None."""
    read = _READ_SUMMARY.search(summary)
    weak = _WEAK_READ.match(summary[read.start() :]) if read else None
    return weak.group("verb") if weak else None


def _reads(pattern: re.Pattern[str], text: str) -> bool:
    """A reading verb, and no change verb outside the words that matched it ("convert tabs" reads)."""
    read = pattern.search(text)
    if read is None:
        return False
    rest = text[: read.start()] + " " + text[read.end() :]
    return not re.search(_MODIFY, rest, re.IGNORECASE)


# Reading verbs that say little about what is read or how ("perform", "guess"): evidence enough to approve a tool
# of no sensitive domain, too weak to keep a domain signal (kernel, storage, section 8, root) from raising the level.
_WEAK_READ = re.compile(r"^\W*(?:(?:\w+\s+){0,3})?(?P<verb>perform|performs|guess|guesses)\b", re.IGNORECASE)


_FILTER = re.compile(
    r"\b(?:is|as) a (?:\w+ )?filter\b|\b(?:copies|copy|writes?|prints?|printing|outputs?|sends?|sent|written|writing)"
    r"\b[^.]{0,80}?\b(?:to|on) (?:the )?(?:standard output|stdout)\b",
    re.IGNORECASE,
)
# What makes "... to standard output" no evidence: the same sentences edit in place, run commands or filter packets,
# or the summary names a change that a filter does not make.
_FILTER_SPOILERS = re.compile(
    r"in[- ]place|overwrit\w*|replac\w* the (?:original|input|existing)|packet|netfilter|firewall|journal|syslog|"
    r"\bcommands? (?:is|are) run\b|\bexecut\w+|\bruns? (?:\w+ )?(?:commands?|programs?)|"
    r"\b(?:run|runs|between) (?:an? |the )?(?:arbitrary |child )?(?:applications?|programs?|commands?|process\w*)\b",
    re.IGNORECASE,
)
_FILTER_SUMMARY_SPOILERS = re.compile(
    r"\b(?:set|sets|edit|edits|rename|renames|update|updates|copy|copies|archives?|eliminat\w*|remov\w*|delet\w*)\b",
    re.IGNORECASE,
)


def filter_evidence(description: str, summary: str) -> str:
    """The words of the description's first two sentences that make the tool a filter to standard output, or ""."""
    text = " ".join(sentences(description)[:2])
    match = _FILTER.search(text)
    if match is None or _FILTER_SPOILERS.search(text) or _FILTER_SUMMARY_SPOILERS.search(summary):
        return ""
    return match.group(0)


def _fire(parts: dict[str, str], read_only: bool, weak: str | None, described: str) -> list[Fired]:
    """Every signal that matches its part of the page, at its level or its cap."""
    fired: list[Fired] = []
    changes = bool(re.search(_CHANGE_OR_ACT, parts["summary"], re.IGNORECASE))
    for signal in SIGNALS:
        match = signal.pattern.search(parts[signal.where])
        if not match:
            continue
        level, capped_by = signal.risk, "reading"
        if not read_only and not changes and signal.when_no_change is not None:
            level, capped_by = min(level, signal.when_no_change), "no change"
        if read_only and signal.when_read_only is not None:
            if signal.when_read_only == READ_ONLY_SKIP:
                continue
            if not weak:  # a weak reading verb ("perform", "guess") lifts no domain signal
                cap = Risk(signal.when_read_only)
                if described and signal.name not in LIFTED_BY_DESCRIPTION:
                    cap = max(cap, M)  # a sentence of the description is weaker evidence than the summary
                level = min(level, cap)
        section = parts["section"]
        quote = f"section {section}" if signal.where == "section" else _quote(parts[signal.where], match)
        fired.append(Fired(signal, quote, level, capped_by))
    return fired


def decide(doc: str, evidence: Evidence | None = None, *, without: frozenset[str] = frozenset()) -> Decision:
    """The strictest level of every signal that fires; MEDIUM_RISK when none says it only reads.

    ``evidence``: what the tool's file and its package say (``evidence.gather``); without it, only the
    documentation speaks. ``without``: parts to leave out (to measure each source of evidence on its own).
    ``doc`` may be "" (no documentation): then only the evidence can raise the level."""
    summary = summary_line(doc)
    section = man_section(doc) or ""
    read_only = _reads(_READ_SUMMARY, summary)
    weak = _weak_read(summary) if read_only else None
    # The description speaks only where the summary neither reads nor names a change.
    described = ""
    if not read_only and not re.search(_MODIFY, summary, re.IGNORECASE):
        sentence = description_sentence(doc)
        if _reads(_READ_DESCRIPTION, sentence):
            described, read_only = sentence, True
    parts: dict[str, str] = {
        "summary": summary,
        "reading summary": summary if read_only and not described else "",
        "reading description": described,
        "section": section,
        "text": doc,
        "options": option_text(doc),
        "commands": command_text(doc),
        "description": description_text(doc),
        "filter description": "",
        "option entries": entries_text(doc),
        **(evidence.parts() if evidence is not None else dict.fromkeys(EVIDENCE_PARTS, "")),
    }
    if set(parts) != set(PARTS):  # a new part must be filled here; a signal cannot read one that is not
        raise AssertionError(f"parts filled and parts declared differ: {sorted(set(parts) ^ set(PARTS))}")
    for part in without:  # measuring one source of evidence on its own: the others are left out
        parts[part] = ""
    fired = _fire(parts, read_only, weak, described)
    # A filter: where nothing but the signals of writing files fired, the description may still say the output goes
    # to standard output. That is evidence of reading (a second pass, as if the summary read).
    if not read_only and all(f.signal.when_read_only == READ_ONLY_SKIP for f in fired):
        found = filter_evidence(parts["description"], summary)
        if found:
            parts["filter description"] = found
            fired = _fire(parts, True, None, found)
    caps = 0
    for f in fired:
        caps |= f.signal.capabilities
    if not fired:
        return Decision(M, 0, (), (NO_EVIDENCE + (f" (summary: '{summary[:80]}')" if summary else ""),))
    risk = max(f.risk for f in fired)
    reasons = [f.reason() for f in sorted(fired, key=lambda f: -f.risk)]
    if weak and any(f.signal.when_read_only not in (None, READ_ONLY_SKIP) for f in fired):
        reasons.append(f"(its reading verb '{weak}' is too weak to cap a domain signal)")
    approving = any(f.signal.risk <= L for f in fired)
    if risk <= L and not approving:  # cannot happen with the table above; kept so a new low signal fails safe
        risk = M
        reasons.insert(0, NO_EVIDENCE)
    return Decision(risk, caps, tuple(fired), tuple(reasons))


def policy_table() -> str:
    """The signals as a Markdown table, for docs/tools.md."""
    rows = [
        "| signal | level | read from | fires when | capabilities |",
        "|---|---|---|---|---|",
    ]
    for s in SIGNALS:
        caps = " ".join(str(f.name) for f in Flag if f.value & s.capabilities and f.value.bit_count() == 1) or "-"
        when = s.reason
        if s.when_read_only == READ_ONLY_SKIP:
            when += " (not where the summary only reads: a reading first verb and no change verb)"
        elif s.when_read_only == S and s.name in LIFTED_BY_DESCRIPTION:
            when += " (does not raise the level where the summary or the description says it only reads)"
        elif s.when_read_only == S:
            when += (
                " (does not raise the level where the summary says it only reads; MEDIUM_RISK where only the"
                " description does)"
            )
        elif s.when_read_only is not None:
            when += f" (at most {Risk(s.when_read_only).name} where the summary only reads)"
        if s.when_no_change is not None:
            when += (
                f"; {s.when_no_change.name} where the summary names it with neither a reading nor a changing verb"
                " (the tool talks to it)"
            )
        rows.append(f"| `{s.name}` | {s.risk.name} | {s.where} | {when} | {caps} |")
    rows.append(f"| (none fired) | MEDIUM_RISK | - | {NO_EVIDENCE.split(': ', 1)[1]} | - |")
    return "\n".join(rows)


TABLE_BEGIN = "<!-- the signal table: generated from policy.SIGNALS by `make tools-table`; do not edit by hand -->"
TABLE_END = "<!-- end of the signal table -->"


def write_policy_table(markdown: str) -> str:
    """``markdown`` with the text between the table's markers replaced by ``policy_table()``."""
    head, found, rest = markdown.partition(TABLE_BEGIN)
    _, found_end, tail = rest.partition(TABLE_END)
    if not found or not found_end:
        raise ValueError(f"the markers of the signal table are missing: {TABLE_BEGIN!r} ... {TABLE_END!r}")
    return f"{head}{TABLE_BEGIN}\n\n{policy_table()}\n\n{TABLE_END}{tail}"


if __name__ == "__main__":  # make tools-table: python -m tcphw.host.apps.tools.policy docs/tools.md
    import sys
    from pathlib import Path

    for name in sys.argv[1:]:
        target = Path(name)
        target.write_text(write_policy_table(target.read_text()))
        print(f"wrote the signal table into {target}")
