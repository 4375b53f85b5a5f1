// Shell completion. The scripts are thin: on TAB they call `kube-sweeper __complete CWORD WORDS...`,
// and the answers come from the commander program itself (commands, flags, choices), so they can
// never drift from the CLI. Contexts come from the kubeconfig files, explain targets from the
// --snapshot file when one is given (cheap); nothing ever reaches a cluster on TAB.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { Argument, type Command, type Option } from "commander";
import { parse as parseYaml } from "yaml";
import { EXIT, type ExitCode } from "../errors.ts";
import type { Io } from "./context.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = (typeof SHELLS)[number];
/** The line that asks the shell to complete file names itself. */
const FILES = "__files__";

export function registerCompletion(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("completion")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(SHELLS))
    .description("print a shell completion script (commands, flags, -o values, kubeconfig contexts, explain targets from --snapshot)")
    .action((shell: Shell) => {
      io.stdout(SCRIPTS[shell]);
      run(Promise.resolve(EXIT.ok));
    });
}

const SCRIPTS: Record<Shell, string> = {
  bash: `# bash completion for kube-sweeper: source <(kube-sweeper completion bash)
_kube_sweeper() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out IFS=$'\\n'
  out=$("\${COMP_WORDS[0]}" __complete "$COMP_CWORD" "\${COMP_WORDS[@]}" 2>/dev/null) || return 0
  if [[ $out == ${FILES} ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
  fi
}
complete -F _kube_sweeper kube-sweeper
`,
  zsh: `#compdef kube-sweeper
# zsh completion for kube-sweeper: kube-sweeper completion zsh > "\${fpath[1]}/_kube-sweeper"
_kube_sweeper() {
  local -a out
  out=("\${(@f)$(\${words[1]} __complete $((CURRENT - 1)) "\${words[@]}" 2>/dev/null)}")
  if [[ "\${out[1]}" == ${FILES} ]]; then _files; return; fi
  compadd -- "\${out[@]}"
}
compdef _kube_sweeper kube-sweeper
`,
  fish: `# fish completion for kube-sweeper: kube-sweeper completion fish > ~/.config/fish/completions/kube-sweeper.fish
function __kube_sweeper_complete
    set -l words (commandline -opc)
    set -l out ($words[1] __complete (count $words) $words (commandline -ct) 2>/dev/null)
    if test "$out[1]" = ${FILES}
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $out
    end
end
complete -c kube-sweeper -f -a '(__kube_sweeper_complete)'
`,
};

const visible = (options: readonly Option[]) => options.filter((o) => !o.hidden);
const takesValue = (o: Option) => o.required || o.optional;

function findOption(commands: Command[], word: string): Option | undefined {
  for (const c of commands) {
    const found = c.options.find((o) => o.long === word || o.short === word);
    if (found) return found;
  }
  return undefined;
}

/** The candidates for words[cword] (words[0] is the program), one per line, filtered by its prefix. */
export function complete(program: Command, cword: number, words: string[], env: NodeJS.ProcessEnv): string[] {
  const current = words[cword] ?? "";
  const before = words.slice(1, cword);
  let command: Command | undefined;
  let expectingValueOf: Option | undefined;
  const given = new Map<string, string>();
  for (const word of before) {
    if (expectingValueOf) {
      given.set(expectingValueOf.long ?? "", word);
      expectingValueOf = undefined;
      continue;
    }
    if (word.startsWith("-")) {
      const option = findOption(command ? [command, program] : [program], word.split("=")[0]!);
      if (option && takesValue(option) && !word.includes("=")) expectingValueOf = option;
      continue;
    }
    command ??= program.commands.find((c) => c.name() === word);
  }
  const scope = command ? [command, program] : [program];
  const byPrefix = (all: string[]) => all.filter((c) => c.startsWith(current));

  if (expectingValueOf) {
    const o = expectingValueOf;
    if (o.argChoices) return byPrefix(o.argChoices);
    if (o.long === "--context") return byPrefix(contexts(given.get("--kubeconfig"), env));
    if (/<file>/.test(o.flags)) return [FILES];
    return [];
  }
  if (current.startsWith("-")) return byPrefix(scope.flatMap((c) => visible(c.options).map((o) => o.long ?? o.short ?? "")).filter(Boolean));
  if (!command) return byPrefix(program.commands.map((c) => c.name()));
  const argument = command.registeredArguments[0];
  if (argument?.argChoices) return byPrefix(argument.argChoices);
  if (command.name() === "explain") return byPrefix(snapshotTargets(given.get("--snapshot")));
  return [];
}

/** Context names of every kubeconfig file kubectl would read (or --kubeconfig's alone). */
function contexts(flag: string | undefined, env: NodeJS.ProcessEnv): string[] {
  const files = flag ? [flag] : env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(env.HOME ?? homedir(), ".kube", "config")];
  const names = files.flatMap((file) => {
    try {
      const parsed = parseYaml(readFileSync(file, "utf8")) as { contexts?: { name?: unknown }[] } | null;
      return (parsed?.contexts ?? []).map((c) => c?.name).filter((n): n is string => typeof n === "string");
    } catch {
      return [];
    }
  });
  return [...new Set(names)];
}

/** Pods as <namespace>/<name> and namespaces as namespace/<name>, from a kubectl -o json dump. */
function snapshotTargets(file: string | undefined): string[] {
  if (!file) return [];
  try {
    const dump = JSON.parse(readFileSync(file, "utf8")) as { items?: { kind?: string; metadata?: { name?: string; namespace?: string } }[] };
    return (dump.items ?? []).flatMap((item) => {
      const m = item?.metadata;
      if (!m?.name) return [];
      if (item.kind === "Pod" && m.namespace) return [`${m.namespace}/${m.name}`];
      if (item.kind === "Namespace") return [`namespace/${m.name}`];
      return [];
    });
  } catch {
    return [];
  }
}
