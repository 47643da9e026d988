// `juliaclient -h`: julia's own option summary plus the client's switches,
// printed without contacting the conductor.

export function renderHelp(): string {
  return `
    julia [switches] -- [programfile] [args...]

juliaclient runs julia programs in warm, persistent worker processes.
It accepts every julia switch; those below are the ones users reach for.

Switches (a '*' marks the default value, if applicable):

 -v, --version              Display version information
 -h, --help                 Print this message
 --project[={<dir>|@.}]     Set <dir> as the active project/environment.
                            The default @. option will search through parent
                            directories until a Project.toml or
                            JuliaProject.toml file is found.
 -J, --sysimage <file>      Start up with the given system image file
 --startup-file={yes*|no}   Load \`JULIA_DEPOT_PATH/config/startup.jl\`
 -t, --threads {auto|N[,auto|M]}
                            Enable N[+M] threads
 -e, --eval <expr>          Evaluate <expr>
 -E, --print <expr>         Evaluate <expr> and display the result
 -L, --load <file>          Load <file> immediately on all processors
 -i, --interactive          Interactive mode; REPL runs and \`isinteractive()\`
                            is true
 -q, --quiet                Quiet startup: no banner, suppress REPL warnings
 --banner={yes|no|short|auto*}
                            Enable or disable startup banner
 --color={yes|no|auto*}     Enable or disable color text
 --history-file={yes*|no}   Load or save history
 -O, --optimize={0|1|2*|3}  Set the optimization level
 -g, --debug-info=[{0|1*|2}]
                            Set the level of debug info generation
 --check-bounds={yes|no|auto*}
                            Emit bounds checks always, never, or respect
                            @inbounds declarations
 --depwarn={yes|no*|error}  Enable or disable syntax and method deprecation
                            warnings

Switches a warm worker cannot honour (-p, --machine-file, --code-coverage,
--track-allocation, --output-*) run the real julia instead.

juliaclient switches:

 --session[=<label>]        Keep state between runs: bare, per parent shell;
                            with a label, shared by every client using it
 --revise[={yes|no}]        Call Revise.revise() before the run
 --restart                  Stop this project's workers (a fresh one starts)
 --status[={json|live}]     Show the conductor's workers and exit

Environment: JULIA_DAEMON_WORKER_EXECUTABLE (default julia),
JULIA_DAEMON_WORKER_ARGS, JULIA_DAEMON_RUNTIME, JULIA_DAEMON_SERVER.
`.slice(1);
}
