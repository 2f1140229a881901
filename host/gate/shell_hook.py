"""Snippets that make an interactive bash or zsh ask the gate before each command line a person types.

``eval "$(tcphw gate shell-hook bash)"`` installs one. REJECT is not run and its reason is printed;
REQUIRE_APPROVAL asks y/N; APPROVE and CAUTION run. When the gate cannot answer (not installed, a registry
missing, a crash) the hook asks rather than runs. It is a seat belt for a person's own shell, not a sandbox:
whoever types in that shell can take it off.

The snippets call ``tcphw gate check`` and read its plain answer: the exit code is the decision and the answer's
first line must name the same decision, so a crash (Python exits 1, which would read as CAUTION) is "cannot
answer". Plain output rather than ``--json``: the shell needs only the decision and the one-line reason it shows
the person, and parsing JSON in bash would be the fragile part.

bash. The DEBUG trap runs before every simple command, not once per line. With ``extdebug`` a trap that returns
non-zero skips the command it precedes. The hook judges the whole line once, at its first simple command:
``PS0`` (expanded once after a complete line is read, before it runs) counts lines; at the first trap of a new
line the text comes from the history entry bash has just written (``history 1``, checked against the number
``HISTCMD`` had at the prompt). A line judged whole is what makes ``touch x && rm -rf ~`` safe: judged one
simple command at a time, ``touch`` would run before ``rm`` is seen, and a pipeline's flow (a secret read on
the left, sent on the right) would be lost. After the verdict the rest of the line passes, or is skipped; a
blocked line is also interrupted with SIGINT, as Ctrl-C would, because skipped commands exit 0 and a skipped
``while true`` loop would spin forever. A line the history left out (``HISTCONTROL=ignorespace`` or
``ignoredups``, ``HISTIGNORE``, ``set +o history``) cannot be read whole; its simple commands are judged one by
one, as ``$BASH_COMMAND``, as they come. extdebug also carries the trap into functions, subshells and command
substitutions: a line that starts with a subshell is judged inside it, and the prompt's own command
substitutions pass because only PS0 starts a line. Needs bash 4.4 (PS0); refuses to replace another DEBUG trap.

zsh. ``preexec`` cannot cancel a command, so the hook wraps the widgets that accept a line (accept-line and its
kin): the line is judged while it is still in the editor, whole (``$PREBUFFER`` holds a multi-line command's
earlier lines), and a blocked line is emptied before the shell parses it (a multi-line one is dropped with
send-break); it stays in the history to be fixed. A line that does not parse yet (``zsh -n``) is accepted
unjudged: zsh then reads its next line, judged with this one, or reports the syntax error and runs nothing.
"""

from __future__ import annotations

SHELLS = ("bash", "zsh")

_BASH = r"""# tcphw gate shell hook for bash (eval "$(tcphw gate shell-hook bash)"): asks the gate before each line.
# REJECT: not run, the reason printed. REQUIRE_APPROVAL: asks y/N. APPROVE, CAUTION: run. No answer: asks.
# A seat belt for your own shell, not a sandbox: `trap - DEBUG` takes it off.
if [[ $- != *i* ]]; then
    :  # not interactive: nobody types these lines
elif (( BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 404 )); then
    printf 'tcphw gate: the shell hook needs bash 4.4 or later (PS0); this is %s: not installed\n' "$BASH_VERSION" >&2
elif [[ -n $(trap -p DEBUG) && $(trap -p DEBUG) != *__tcphw_gate_debug* ]]; then
    printf 'tcphw gate: another DEBUG trap is set (%s); the hook would replace it: not installed\n' \
        "$(trap -p DEBUG)" >&2
else
    declare -ga __tcphw_gate_argv=(@ARGV@)
    declare -g __tcphw_gate_line=0 __tcphw_gate_judged=0 __tcphw_gate_state=idle __tcphw_gate_next=
    declare -gA __tcphw_gate_seen=()
    # In PS0 this expands to nothing; counting the line is its side effect (an index past a string's element 0).
    declare -g __tcphw_gate_ps0='${__tcphw_gate_ps0[__tcphw_gate_line+=1]-}'

    __tcphw_gate_prompt() {  # first in PROMPT_COMMAND: the line is over, judged here or in a subshell
        __tcphw_gate_state=idle
        __tcphw_gate_judged=$__tcphw_gate_line
    }

    __tcphw_gate_ready() {  # last in PROMPT_COMMAND: the number the next line gets if the history keeps it
        __tcphw_gate_next=$HISTCMD
        [[ $PS0 == *"$__tcphw_gate_ps0"* ]] || PS0+=$__tcphw_gate_ps0
        shopt -q promptvars || shopt -s promptvars  # PS0 must expand, or no line is counted
    }

    __tcphw_gate_confirm() {  # asks the person at the terminal; 0 for yes
        local reply=
        printf 'tcphw gate: run it? [y/N] ' >&2
        IFS= read -r reply 2>/dev/null </dev/tty || reply=
        [[ $reply == [yY] || $reply == [yY][eE][sS] ]]
    }

    __tcphw_gate_decide() {  # $1: a command line. 0: run it (state run); 1: do not (state block, line interrupted)
        __tcphw_gate_state=judging
        local out rc verdict= reason= l
        out=$("${__tcphw_gate_argv[@]}" --cwd "$PWD" -- "$1" </dev/null 2>&1)
        rc=$?
        case $rc in
            0) verdict=APPROVE ;; 1) verdict=CAUTION ;; 2) verdict=REQUIRE_APPROVAL ;; 3) verdict=REJECT ;;
        esac
        if [[ -n $verdict ]]; then  # the answer must name the decision its exit code gives
            while IFS= read -r l; do
                if [[ $l == "$verdict"* ]]; then reason=$l; break; fi
            done <<<"$out"
        fi
        case ${reason:+$verdict} in
            APPROVE | CAUTION)
                __tcphw_gate_state=run
                return 0 ;;
            REJECT)
                printf 'tcphw gate: %s\ntcphw gate: not run\n' "$reason" >&2 ;;
            REQUIRE_APPROVAL)
                printf 'tcphw gate: %s\n' "$reason" >&2
                if __tcphw_gate_confirm; then __tcphw_gate_state=run; return 0; fi ;;
            *)
                printf 'tcphw gate: the gate could not answer (exit %s): %s\n' "$rc" "${out##*$'\n'}" >&2
                if __tcphw_gate_confirm; then __tcphw_gate_state=run; return 0; fi ;;
        esac
        __tcphw_gate_state=block
        # Skipped commands exit 0, so a skipped loop would spin: end the whole line as Ctrl-C does.
        builtin kill -INT "$$"
        if (( BASH_SUBSHELL )); then builtin kill -INT "$BASHPID"; fi
        return 1
    }

    __tcphw_gate_debug() {  # the DEBUG trap: 0 runs the next simple command, 1 skips it (extdebug)
        case $__tcphw_gate_state in judging) return 0 ;; esac
        # The hook's own commands pass: the calls in PROMPT_COMMAND, and (the trap reaches into functions with
        # extdebug) what runs inside them, or a blocked line's state would skip the prompt's reset of it.
        case $BASH_COMMAND in __tcphw_gate_prompt | __tcphw_gate_ready) return 0 ;; esac
        case ${FUNCNAME[1]-} in __tcphw_gate_*) return 0 ;; esac
        if ((__tcphw_gate_line != __tcphw_gate_judged)); then  # the first simple command of a new line
            __tcphw_gate_judged=$__tcphw_gate_line
            __tcphw_gate_seen=()
            __tcphw_gate_state=judging
            local entry re='^ *([0-9]+)[ *] (.*)$'
            if [[ $HISTCMD == "$__tcphw_gate_next" ]] && entry=$(HISTTIMEFORMAT='' builtin history 1) &&
                [[ $entry =~ $re && ${BASH_REMATCH[1]} == "$HISTCMD" ]]; then
                __tcphw_gate_decide "${BASH_REMATCH[2]}"
                return
            fi
            __tcphw_gate_state=each  # not in the history: each simple command as it comes
        fi
        case $__tcphw_gate_state in
            block) return 1 ;;
            each)
                [[ -n ${__tcphw_gate_seen[$BASH_COMMAND]-} ]] && return 0
                __tcphw_gate_decide "$BASH_COMMAND" || return 1
                __tcphw_gate_seen[$BASH_COMMAND]=1
                __tcphw_gate_state=each ;;
        esac
        return 0
    }

    if [[ $(declare -p PROMPT_COMMAND 2>/dev/null) == 'declare -a'* ]]; then
        [[ " ${PROMPT_COMMAND[*]} " == *' __tcphw_gate_prompt '* ]] ||
            PROMPT_COMMAND=(__tcphw_gate_prompt "${PROMPT_COMMAND[@]}" __tcphw_gate_ready)
    elif [[ $PROMPT_COMMAND != *__tcphw_gate_prompt* ]]; then
        PROMPT_COMMAND=$'__tcphw_gate_prompt\n'"${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}"'__tcphw_gate_ready'
    fi
    __tcphw_gate_ready
    shopt -s extdebug
    trap '__tcphw_gate_debug' DEBUG
fi
"""

_ZSH = r"""# tcphw gate shell hook for zsh (eval "$(tcphw gate shell-hook zsh)"): asks the gate before each line.
# REJECT: not run, the reason printed. REQUIRE_APPROVAL: asks y/N. APPROVE, CAUTION: run. No answer: asks.
# A seat belt for your own shell, not a sandbox: the line editor's widgets carry it.
if [[ -o interactive && ! -o zle ]]; then
    print -u2 'tcphw gate: this zsh has no line editor (zle): the lines typed here are not checked'
elif [[ -o interactive ]]; then
    typeset -ga __tcphw_gate_argv
    __tcphw_gate_argv=(@ARGV@)

    __tcphw_gate_confirm() {  # asks the person at the terminal (zle -I gave it back); 0 for yes
        local reply=
        print -nu2 'tcphw gate: run it? [y/N] '
        IFS= read -r reply 2>/dev/null </dev/tty || reply=
        [[ $reply == [yY] || $reply == [yY][eE][sS] ]]
    }

    __tcphw_gate_decide() {  # $1: a command line; 0: run it
        emulate -L zsh
        local out rc verdict= reason= l
        out=$("${__tcphw_gate_argv[@]}" --cwd "$PWD" -- "$1" </dev/null 2>&1)
        rc=$?
        case $rc in
            0) verdict=APPROVE ;; 1) verdict=CAUTION ;; 2) verdict=REQUIRE_APPROVAL ;; 3) verdict=REJECT ;;
        esac
        if [[ -n $verdict ]]; then  # the answer must name the decision its exit code gives
            for l in "${(@f)out}"; do
                if [[ $l == "$verdict"* ]]; then reason=$l; break; fi
            done
        fi
        case ${reason:+$verdict} in
            APPROVE | CAUTION) return 0 ;;
            REJECT) print -ru2 -- "tcphw gate: $reason"; print -u2 'tcphw gate: not run' ;;
            REQUIRE_APPROVAL) print -ru2 -- "tcphw gate: $reason"; __tcphw_gate_confirm && return 0 ;;
            *)
                print -ru2 -- "tcphw gate: the gate could not answer (exit $rc): ${${(@f)out}[-1]}"
                __tcphw_gate_confirm && return 0 ;;
        esac
        return 1
    }

    __tcphw_gate_accept() {  # wraps accept-line and its kin: judge the whole line before the shell gets it
        # No emulate -L here: zle redraws the prompt while this runs, with the person's options (prompt_subst).
        local line=$PREBUFFER$BUFFER
        # A line that does not parse yet is accepted unjudged: zsh reads its next line (judged with this one
        # through $PREBUFFER) or reports the syntax error and runs nothing.
        if [[ -n ${line//[[:space:]]/} ]] && zsh -nfc "$line" </dev/null 2>/dev/null; then
            zle -I
            if ! __tcphw_gate_decide "$line"; then
                print -rs -- "$line"  # in the history, to be fixed
                if [[ -n $PREBUFFER ]]; then
                    zle send-break  # a command of several lines: drop them all
                else
                    BUFFER=  # an empty line accepted: a new prompt, as after Enter (send-break redraws worse)
                    zle .accept-line
                fi
                return 1
            fi
        fi
        zle "__tcphw_gate_orig_$WIDGET" -- "$@"
    }

    () {
        zmodload zsh/zleparameter 2>/dev/null
        local w
        for w in accept-line accept-and-hold accept-line-and-down-history accept-and-infer-next-history; do
            [[ ${widgets[$w]-} == user:__tcphw_gate_accept ]] && continue
            zle -A "$w" "__tcphw_gate_orig_$w"
            zle -N "$w" __tcphw_gate_accept
        done
    }
fi
"""


def snippet(shell: str, argv: list[str]) -> str:
    """The snippet for ``shell``; ``argv`` (already quoted for the shell) is the ``gate check`` command."""
    templates = {"bash": _BASH, "zsh": _ZSH}
    if shell not in templates:
        raise ValueError(f"no shell hook for {shell}: give one of {', '.join(SHELLS)}")
    return templates[shell].replace("@ARGV@", " ".join(argv))
