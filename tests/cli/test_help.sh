#!/bin/bash
# vxnet --help and VERB --help against a state file in a per-run temp dir:
# every verb answers --help (usage on stdout, nothing on stderr, exit 0);
# vxnet --help lists every verb with the synopsis the verb's own --help
# shows; every option a --help shows is one its parser accepts; an unknown
# option is one stderr line and exit 2. Nothing needs the datapath, and no
# state file is created.
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMP"' EXIT

ST=$TMP/state/state.json
vx() { "$VXNET" --state "$ST" --pin-dir "$TMP/pins" "$@"; }

# Every verb, as a user types it (independent of the tables under test).
VERBS=("node add" "node rm" "node ls"
	"network create" "network update" "network rm" "network ls" "network inspect"
	"endpoint add" "endpoint rm" "endpoint ls"
	up down attach detach sync agent status stats metrics monitor "nat ls" "map dump" docker-plugin)

# help_ok NAME ARGS...: `vx ARGS` exits 0, "usage:" first on stdout, empty stderr.
help_ok() {
	local name=$1 rc; shift
	vx "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ $rc != 0 ]; then fail "$name: exit $rc: $(head -2 "$TMP/err" | tr '\n' '|')"
	elif [ -s "$TMP/err" ]; then fail "$name: stderr: $(head -2 "$TMP/err" | tr '\n' '|')"
	elif ! head -1 "$TMP/out" | grep -q '^usage: '; then fail "$name: no 'usage:' on stdout: $(head -1 "$TMP/out")"
	else ok "$name"; fi
}

help_ok "vxnet --help" --help
cp "$TMP/out" "$TMP/top"
help_ok "vxnet -h" -h

for v in "${VERBS[@]}"; do
	# shellcheck disable=SC2086 # "node add" is two words
	help_ok "$v --help" $v --help
	cp "$TMP/out" "$TMP/verb"
	# shellcheck disable=SC2086
	help_ok "$v -h" $v -h

	# vxnet --help shows this verb with the synopsis its own --help shows.
	syn=$(head -1 "$TMP/verb" | sed 's/^usage: //')
	case "$syn" in "vxnet $v"|"vxnet $v "*) ok "$v --help is about $v" ;;
		*) fail "$v --help is about $v: usage line '$syn'" ;; esac
	if grep -qxF "  $syn" "$TMP/top"; then ok "vxnet --help lists $v as '$syn'"
	else fail "vxnet --help lists $v: no line '  $syn'"; fi

	# The options the listing shows (with a value when it shows one) are the
	# synopsis' and are accepted: each given before --help still gets the help.
	# (an option with a letter is listed "-j, --json" and shown "[-j|--json]")
	listed=$(grep -oE '^  (-[a-z], )?--[a-z][a-z-]*( [^ ]+)?' "$TMP/verb" | grep -v '^  -h, --help' |
		sed -E 's/^  (-[a-z], )?//')
	letters=$(grep -oE '^  -[a-z], --[a-z][a-z-]*' "$TMP/verb" | grep -v '^  -h, --help' | sed 's/^  //; s/,//')
	in_syn=$(echo "$syn" | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	if [ "$(echo "$listed" | awk 'NF { print $1 }' | sort -u)" = "$in_syn" ]; then
		ok "$v: options listed = options in the synopsis"
	else
		fail "$v: listed '$(tr '\n' ' ' <<<"$listed")' vs synopsis '$(tr '\n' ' ' <<<"$in_syn")'"
	fi
	while read -r opt meta; do
		[ -n "$opt" ] || continue
		# shellcheck disable=SC2086
		if [ -n "$meta" ]; then set -- $v "$opt" x --help; else set -- $v "$opt" --help; fi
		vx "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
		if [ $rc = 0 ] && [ ! -s "$TMP/err" ] && grep -q '^usage: ' "$TMP/out"; then
			ok "$v accepts $opt"
		else
			fail "$v accepts $opt: exit $rc: $(head -1 "$TMP/err")"
		fi
	done <<<"$listed"
	# A letter is the same option: -j as --json, and in the synopsis as -j|--json
	# (one taking a value, as -o KEY=VALUE, given one).
	while read -r letter long; do
		[ -n "$letter" ] || continue
		meta=$(awk -v o="$long" '$1 == o { print $2 }' <<<"$listed")
		# shellcheck disable=SC2086
		vx $v "$letter" ${meta:+x} --help >"$TMP/out" 2>"$TMP/err"; rc=$?
		if [ $rc = 0 ] && [ ! -s "$TMP/err" ] && grep -q '^usage: ' "$TMP/out" &&
		   grep -qF -- "[$letter|$long" <<<"$syn"; then
			ok "$v accepts $letter ($long)"
		else
			fail "$v accepts $letter ($long): exit $rc: $(head -1 "$TMP/err"); synopsis '$syn'"
		fi
	done <<<"$letters"

	# An unknown option: one line naming it, exit 2, nothing on stdout.
	# shellcheck disable=SC2086
	vx $v --no-such-option >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && [ ! -s "$TMP/out" ] &&
	   grep -q "^vxnet: $v: unknown option '--no-such-option'" "$TMP/err"; then
		ok "$v --no-such-option: one line, exit 2"
	else
		fail "$v --no-such-option: exit $rc, stderr '$(head -3 "$TMP/err" | tr '\n' '|')'"
	fi
done

# vxnet --help lists nothing but these verbs.
n=$(grep -c '^  vxnet ' "$TMP/top")
if [ "$n" = "${#VERBS[@]}" ]; then ok "vxnet --help lists ${#VERBS[@]} verbs"
else fail "vxnet --help lists $n verbs, expected ${#VERBS[@]}"; fi

# Objects: --help lists their verbs; aliases reach the same verb.
for o in node network endpoint nat map; do
	help_ok "$o --help" "$o" --help
	want=$(grep "^  vxnet $o " "$TMP/top" | sed 's/^  //')
	got=$(sed 's/^usage: //; s/^ *//' "$TMP/out")
	if [ "$got" = "$want" ]; then ok "$o --help lists its verbs as vxnet --help does"
	else fail "$o --help: '$(tr '\n' '|' <<<"$got")' vs '$(tr '\n' '|' <<<"$want")'"; fi
done
help_ok "node remove --help (alias)" node remove --help
help_ok "network add --help (alias)" network add --help
expect_err "unknown global option" "^vxnet: unknown option '--no-such-option'" vx --no-such-option node ls
expect_err "missing verb" "^vxnet: node: missing verb; expected add, rm or ls$" vx node
expect_err "unknown verb" "^vxnet: network: unknown verb 'frob'; expected create, update, rm, ls or inspect$" vx network frob
expect_err "unknown command" "^vxnet: unknown command 'frob'" vx frob

if [ -e "$ST" ]; then fail "--help created the state file"; else ok "--help creates no state file"; fi
finish
