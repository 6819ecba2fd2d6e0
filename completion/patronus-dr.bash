# bash completion for patronus-dr(1): commands, options, runbook ids (from
# "patronus-dr runbooks list") and incident ids (from "patronus-dr incidents list").

# Print the global options given so far (--config FILE) to pass on to the
# look-ups, so that ids come from the same settings the command will use.
_patronus_dr_global()
{
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c|--config)
			printf '%s\n' --config "${COMP_WORDS[i + 1]}"
			((i++))
			;;
		--config=*)
			printf '%s\n' "${COMP_WORDS[i]}"
			;;
		-*)
			;;
		*)
			return
			;;
		esac
	done
}

# Print the runbook ids.
_patronus_dr_runbooks()
{
	local -a g
	mapfile -t g < <(_patronus_dr_global)
	# wide, so that each id stays in its row (the tables fit $COLUMNS)
	COLUMNS=1000 "${COMP_WORDS[0]}" "${g[@]}" runbooks list 2>/dev/null |
	    awk 'NR > 1 && $1 ~ /^[a-z0-9][a-z0-9-]*$/ { print $1 }'
}

# Print the incident and drill ids.
_patronus_dr_incidents()
{
	local -a g
	mapfile -t g < <(_patronus_dr_global)
	COLUMNS=1000 "${COMP_WORDS[0]}" "${g[@]}" incidents list 2>/dev/null |
	    awk '$1 ~ /^(INC|DRILL)-/ { print $1 }'
}

# Print the backup sets as backups names them (TIER/NAME), for verify and restore --from.
_patronus_dr_sets()
{
	local -a g
	mapfile -t g < <(_patronus_dr_global)
	"${COMP_WORDS[0]}" "${g[@]}" backups --json 2>/dev/null |
	    sed -n 's/.*"tier": "\([a-z]*\)", "name": "\([^"]*\)".*/\1\/\2/p'
}

# Complete a patronus-dr command line.
_patronus_dr()
{
	local cur prev cmd sub i
	local commands
	# The commands of the installed program, else those it had when this was written.
	commands=$(LC_ALL=C LANGUAGE= "${COMP_WORDS[0]}" --help 2>/dev/null |
	    awk '/^  [a-z][a-z-]* +[^ -]/ { print $1 }')
	[[ -n $commands ]] || commands="config demo backup verify restore assess keys
	    evidence rpo check prune backups fetch run resume runbooks drills incidents report
	    restore-test"
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# Find the command: the first word that is not a global option.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c|--config)
			((i++))
			;;
		-*)
			;;
		*)
			cmd=${COMP_WORDS[i]}
			sub=${COMP_WORDS[i + 1]}
			[[ $((i + 1)) -lt $COMP_CWORD ]] || sub=
			break
			;;
		esac
	done

	case $prev in
	-c|--config|-o|--output|--dir|--scratch|--to)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return
		;;
	--detected|--incident-start|--target|--interface|--expect|--timeout|--before|\
	--reason|--at|--wait)
		return
		;;
	--type)
		COMPREPLY=($(compgen -W "hourly daily weekly monthly" -- "$cur"))
		return
		;;
	--format)
		COMPREPLY=($(compgen -W "md html status notice backup-test" -- "$cur"))
		return
		;;
	--keep)
		COMPREPLY=($(compgen -W "$(_patronus_dr_sets)" -- "$cur"))
		return
		;;
	--from)
		[[ $cmd == fetch || $cmd == incidents ]] && COMPREPLY=($(compgen -W "sftp s3" -- "$cur")) ||
		    { COMPREPLY=($(compgen -W "$(_patronus_dr_sets)" -- "$cur")
		    $(compgen -f -X '!*.db' -- "$cur")); compopt -o filenames 2>/dev/null; }
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--config --verbose --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	# Each command's options, as its option table declares them (src/cli/cmd-*.c);
	# tests/cli/completion.sh checks them against every command's --help.
	local opts=""
	case $cmd in
	demo)		opts="--dir --reset --no-tui" ;;
	backup)		opts="--type --no-prune --no-offsite --retry-offsite --wait" ;;
	stream)		opts="--once --json" ;;
	verify)		opts="--json --allow-unsigned --wait" ;;
	restore)	opts="--at --before --from --incident-start --yes --copy --allow-unsigned --wait --to --from-remote --latest" ;;
	restore-test)	opts="--from --scratch --output" ;;
	assess)		opts="--dump --output" ;;
	keys)		opts="--interface" ;;
	rpo)		opts="--incident-start --before --target" ;;
	check)		opts="--expect --timeout" ;;
	prune)		opts="--dry-run --remote --wait --keep" ;;
	fetch)		opts="--from --latest --stream --wait" ;;
	backups)	opts="--json" ;;
	run)		opts="--drill --keep-sandbox --unattended --detected" ;;
	runbooks)	opts="--strict --expand" ;;
	drills)		opts="--ascii" ;;
	incidents)	opts="--json --offline --reason --from" ;;
	report)		opts="--format --output --record" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
		return
	fi

	case $cmd in
	run|drills)
		COMPREPLY=($(compgen -W "$(_patronus_dr_runbooks)" -- "$cur"))
		;;
	resume|report)
		COMPREPLY=($(compgen -W "$(_patronus_dr_incidents)" -- "$cur"))
		;;
	restore|keys|evidence|check)
		[[ -z $sub ]] && case $cmd in
		restore)	COMPREPLY=($(compgen -W "db config keys all" -- "$cur")) ;;
		keys)		COMPREPLY=($(compgen -W "rotate" -- "$cur")) ;;
		evidence)	COMPREPLY=($(compgen -W "collect" -- "$cur")) ;;
		check)		COMPREPLY=($(compgen -W "http config drills" -- "$cur")) ;;
		esac
		[[ $cmd == evidence && $sub == collect ]] &&
		    { COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; }
		;;
	stream)
		[[ -z $sub ]] && COMPREPLY=($(compgen -W "status" -- "$cur"))
		;;
	verify)
		COMPREPLY=($(compgen -W "$(_patronus_dr_sets)" -- "$cur")
		    $(compgen -f -X '!*.db' -- "$cur"))
		compopt -o filenames -o plusdirs 2>/dev/null
		;;
	assess)
		COMPREPLY=($(compgen -f -X '!*.db' -- "$cur"))
		compopt -o filenames -o plusdirs 2>/dev/null
		;;
	incidents)
		case $sub in
		"")	COMPREPLY=($(compgen -W "list show verify close ship fetch" -- "$cur")) ;;
		show|verify|close|ship)
			COMPREPLY=($(compgen -W "$(_patronus_dr_incidents)" -- "$cur")) ;;
		esac
		;;
	runbooks)
		case $sub in
		"")	COMPREPLY=($(compgen -W "list lint show" -- "$cur")) ;;
		show)	COMPREPLY=($(compgen -W "$(_patronus_dr_runbooks)" -- "$cur")) ;;
		lint)	COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null ;;
		esac
		;;
	esac
}
complete -F _patronus_dr patronus-dr
