/* SPDX-License-Identifier: MIT */
/*
 * goscope completion bash|zsh|fish: a completion script for the shell,
 * written from main.c's command table, so a new command completes without
 * touching the scripts. What the table does not hold is asked of goscope
 * at completion time: a command's options from its own --help (the text
 * that documents them), the PIDs of Go processes from the hidden
 * `goscope completion --pids` (the process list's scan, one PID a line).
 */
#include <stdio.h>
#include <string.h>

#include "agentcmd.h"
#include "cliopt.h"
#include "commands.h"
#include "golist.h"
#include "output.h"

/* The global options, as the scripts offer them. */
#define GLOBAL_OPTS "--json --pretty --verbose --help"
/* Options whose value is a file or directory. */
#define FILE_OPTS "--path|--osv|-o|--output|--binary-output"

struct lists {
	char all[1024];		/* every command's name */
	char pid[1024];		/* commands whose operands are PIDs */
	char file[256];		/* commands whose operands are files */
	char agent[512];	/* the agent commands, for `goscope agent` */
	FILE *f;		/* zsh/fish: where descriptions go */
	const char *shell;
};

static void add(char *buf, size_t size, const char *name)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s", n ? " " : "", name);
}

static void collect(const char *name, const char *help, enum gs_cmd_args args, bool agent,
		    void *ctx)
{
	struct lists *l = ctx;

	(void)help;
	(void)agent;
	add(l->all, sizeof(l->all), name);
	if (args == GS_ARGS_PID || args == GS_ARGS_PID_FILE)
		add(l->pid, sizeof(l->pid), name);
	if (args == GS_ARGS_FILE || args == GS_ARGS_PID_FILE)
		add(l->file, sizeof(l->file), name);
}

/* Text inside single quotes, for zsh ('name:help') and fish (-d '...'). */
static void put_quoted(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
}

static void describe(const char *name, const char *help, enum gs_cmd_args args, bool agent,
		     void *ctx)
{
	struct lists *l = ctx;

	(void)args;
	if (!strcmp(l->shell, "zsh")) {
		fprintf(l->f, "\t\t'%s:", name);
		put_quoted(l->f, agent ? "agent: " : "");
		put_quoted(l->f, help);
		fputs("'\n", l->f);
	} else {
		fprintf(l->f, "complete -c goscope -n __fish_use_subcommand -f -a %s -d '", name);
		put_quoted(l->f, agent ? "agent: " : "");
		put_quoted(l->f, help);
		fputs("'\n", l->f);
	}
}

static void bash_script(const struct lists *l)
{
	printf("# bash completion for goscope; written by 'goscope completion bash'\n"
	       "_goscope_pids() { \"$1\" completion --pids 2>/dev/null; }\n"
	       "_goscope_opts() {\n"
	       "\t{ \"$1\" \"$2\" --help 2>/dev/null | grep -o -e '--[a-z][a-z0-9-]*'\n"
	       "\t  printf '%%s\\n' " GLOBAL_OPTS "; } | sort -u\n"
	       "}\n"
	       "_goscope() {\n"
	       "\tlocal gs=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= sub= i w\n"
	       "\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\tCOMPREPLY=()\n"
	       "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "\t\tw=${COMP_WORDS[i]}\n"
	       "\t\tcase $w in\n"
	       "\t\t-*) ;;\n"
	       "\t\t*) if [ -z \"$cmd\" ]; then cmd=$w; elif [ \"$cmd\" = agent ] && [ -z \"$sub\" ]; then sub=$w; fi ;;\n"
	       "\t\tesac\n"
	       "\tdone\n"
	       "\tcase $prev in\n"
	       "\t%s)\n"
	       "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\t\t;;\n"
	       "\tesac\n"
	       "\tif [ -z \"$cmd\" ]; then\n"
	       "\t\tif [[ $cur == -* ]]; then\n"
	       "\t\t\tCOMPREPLY=($(compgen -W '" GLOBAL_OPTS " --version --check-agents' -- \"$cur\"))\n"
	       "\t\telse\n"
	       "\t\t\tCOMPREPLY=($(compgen -W \"%s help $(_goscope_pids \"$gs\")\" -- \"$cur\"))\n"
	       "\t\tfi\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tif [[ $cur == -* ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$(_goscope_opts \"$gs\" \"$cmd\")\" -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tcase $cmd in\n"
	       "\thelp) COMPREPLY=($(compgen -W '%s' -- \"$cur\")) ;;\n"
	       "\tcompletion) COMPREPLY=($(compgen -W 'bash zsh fish' -- \"$cur\")) ;;\n"
	       "\tagent)\n"
	       "\t\tif [ -z \"$sub\" ]; then\n"
	       "\t\t\tCOMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
	       "\t\telse\n"
	       "\t\t\tCOMPREPLY=($(compgen -W \"$(_goscope_pids \"$gs\")\" -- \"$cur\"))\n"
	       "\t\tfi\n"
	       "\t\t;;\n"
	       "\t*)\n"
	       "\t\tcase \" %s \" in *\" $cmd \"*)\n"
	       "\t\t\tCOMPREPLY=($(compgen -W \"$(_goscope_pids \"$gs\")\" -- \"$cur\")) ;;\n"
	       "\t\tesac\n"
	       "\t\tcase \" %s \" in *\" $cmd \"*)\n"
	       "\t\t\tCOMPREPLY+=($(compgen -f -- \"$cur\")) ;;\n"
	       "\t\tesac\n"
	       "\t\tcase $cmd in [0-9]*) COMPREPLY=() ;; esac\n"
	       "\t\t;;\n"
	       "\tesac\n"
	       "}\n"
	       "complete -o filenames -F _goscope goscope\n",
	       FILE_OPTS, l->all, l->all, l->agent, l->pid, l->file);
}

static void zsh_script(struct lists *l)
{
	printf("#compdef goscope\n"
	       "# zsh completion for goscope; written by 'goscope completion zsh'\n"
	       "local gs=${words[1]} cmd= sub= i\n"
	       "local -a cmds pids opts\n"
	       "for (( i = 2; i < CURRENT; i++ )); do\n"
	       "\tcase ${words[i]} in\n"
	       "\t-*) ;;\n"
	       "\t*) if [[ -z $cmd ]]; then cmd=${words[i]}; elif [[ $cmd == agent && -z $sub ]]; then sub=${words[i]}; fi ;;\n"
	       "\tesac\n"
	       "done\n"
	       "case ${words[CURRENT-1]} in\n"
	       "%s) _files; return ;;\n"
	       "esac\n"
	       "pids=(${(f)\"$($gs completion --pids 2>/dev/null)\"})\n"
	       "if [[ -z $cmd ]]; then\n"
	       "\tif [[ $PREFIX == -* ]]; then\n"
	       "\t\tcompadd -- " GLOBAL_OPTS " --version --check-agents\n"
	       "\telse\n"
	       "\t\tcmds=(\n",
	       FILE_OPTS);
	l->f = stdout;
	l->shell = "zsh";
	gs_commands_each(describe, l);
	printf("\t\t'help:print the help, or a command'\\''s'\n"
	       "\t\t)\n"
	       "\t\t_describe command cmds\n"
	       "\t\tcompadd -a pids\n"
	       "\tfi\n"
	       "\treturn\n"
	       "fi\n"
	       "if [[ $PREFIX == -* ]]; then\n"
	       "\topts=(${(f)\"$({ $gs $cmd --help 2>/dev/null | grep -o -e '--[a-z][a-z0-9-]*'; "
	       "printf '%%s\\n' " GLOBAL_OPTS "; } | sort -u)\"})\n"
	       "\tcompadd -a opts\n"
	       "\treturn\n"
	       "fi\n"
	       "case $cmd in\n"
	       "help) compadd -- %s ;;\n"
	       "completion) compadd -- bash zsh fish ;;\n"
	       "agent) if [[ -z $sub ]]; then compadd -- %s; else compadd -a pids; fi ;;\n"
	       "*)\n"
	       "\tif [[ \" %s \" == *\" $cmd \"* ]]; then compadd -a pids; fi\n"
	       "\tif [[ \" %s \" == *\" $cmd \"* ]]; then _files; fi\n"
	       "\t;;\n"
	       "esac\n",
	       l->all, l->agent, l->pid, l->file);
}

static void fish_script(struct lists *l)
{
	printf("# fish completion for goscope; written by 'goscope completion fish'\n"
	       "function __goscope_pids\n"
	       "\tgoscope completion --pids 2>/dev/null\n"
	       "end\n"
	       "function __goscope_opts\n"
	       "\tset -l cmd (commandline -opc)\n"
	       "\tfor w in $cmd[2..-1]\n"
	       "\t\tif not string match -q -- '-*' $w\n"
	       "\t\t\tgoscope $w --help 2>/dev/null | string match -ar -- '--[a-z][a-z0-9-]*' | sort -u |\n"
	       "\t\t\t\tstring match -rv -- '^--(json|pretty|verbose|help)$'\n"
	       "\t\t\treturn\n"
	       "\t\tend\n"
	       "\tend\n"
	       "end\n"
	       "complete -c goscope -f\n"
	       "complete -c goscope -s j -l json -d 'print JSON'\n"
	       "complete -c goscope -s p -l pretty -d 'print indented JSON'\n"
	       "complete -c goscope -s v -l verbose -d 'say more on stderr'\n"
	       "complete -c goscope -s h -l help -d 'print the help'\n"
	       "complete -c goscope -n __fish_use_subcommand -l version -d \"print goscope's version\"\n"
	       "complete -c goscope -n __fish_use_subcommand -l check-agents -d 'list, * for agents that accept'\n");
	l->f = stdout;
	l->shell = "fish";
	gs_commands_each(describe, l);
	printf("complete -c goscope -n __fish_use_subcommand -f -a help -d 'print the help'\n"
	       "complete -c goscope -n __fish_use_subcommand -f -a '(__goscope_pids)' -d 'Go process'\n"
	       "complete -c goscope -n 'not __fish_use_subcommand; and string match -q -- \"-*\" "
	       "(commandline -ct)' -f -a '(__goscope_opts)'\n"
	       "complete -c goscope -n '__fish_seen_subcommand_from %s' -f -a '(__goscope_pids)' -d 'Go process'\n"
	       "complete -c goscope -n '__fish_seen_subcommand_from %s' -F\n"
	       "complete -c goscope -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish'\n"
	       "complete -c goscope -n '__fish_seen_subcommand_from help' -f -a '%s'\n"
	       "complete -c goscope -n '__fish_seen_subcommand_from agent' -f -a '%s (__goscope_pids)'\n",
	       l->pid, l->file, l->all, l->agent);
}

static int print_pids(void)
{
	struct gs_err err = { 0 };
	struct gs_golist l;

	if (gs_golist_scan(&l, 0, &err))
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	for (size_t i = 0; i < l.n; i++)
		printf("%d\n", l.procs[i]->pid);
	gs_golist_free(&l);
	return GS_EXIT_OK;
}

static void help(void)
{
	printf("Usage: goscope completion bash|zsh|fish\n"
	       "\n"
	       "Print a completion script for the shell: commands, their options, the PIDs\n"
	       "of running Go processes for the commands that take one, files for version\n"
	       "and audit. Load it with, for example:\n"
	       "  source <(goscope completion bash)          # bash, this shell\n"
	       "  goscope completion zsh >\"${fpath[1]}/_goscope\"   # zsh\n"
	       "  goscope completion fish | source           # fish\n"
	       "'make install' installs the bash and zsh scripts where those shells look:\n"
	       "  $PREFIX/share/bash-completion/completions/goscope\n"
	       "  $PREFIX/share/zsh/site-functions/_goscope\n");
}

int cmd_completion(int argc, char **argv)
{
	enum { OPT_PIDS = 256 };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "pids", no_argument, NULL, OPT_PIDS },	/* hidden: for the scripts */
		{ NULL, 0, NULL, 0 },
	};
	struct lists l;
	const char *sh;
	int c;

	while ((c = gs_getopt(argc, argv, "h", opts)) != -1) {
		if (c == 'h') {
			help();
			return GS_EXIT_OK;
		}
		if (c == OPT_PIDS)
			return print_pids();
		return gs_getopt_error("completion", argv);
	}
	if (optind + 1 != argc)
		return gs_usage_error("completion", "expected one shell: bash, zsh or fish");
	sh = argv[optind];
	memset(&l, 0, sizeof(l));
	gs_commands_each(collect, &l);
	for (size_t k = 0; k < agent_ncmds; k++)
		add(l.agent, sizeof(l.agent), agent_cmds[k].name);
	if (!strcmp(sh, "bash"))
		bash_script(&l);
	else if (!strcmp(sh, "zsh"))
		zsh_script(&l);
	else if (!strcmp(sh, "fish"))
		fish_script(&l);
	else
		return gs_usage_error("completion", "unknown shell '%s': bash, zsh or fish", sh);
	return GS_EXIT_OK;
}
