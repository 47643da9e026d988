// Which environment a run activates, decided exactly as julia's
// `init_active_project` would in the *client's* cwd and environment:
// --project (last wins; bare = "@."), else JULIA_PROJECT, else the default.
// Pure: file probing is injected so tests need no file system.

export interface ProjectInputs {
  /** the --project / -P value, "@." for a bare switch */
  option: string | undefined;
  clientEnv: Record<string, string | undefined>;
  cwd: string;
  programFile: string | undefined;
  isFile: (path: string) => boolean;
}

/** "" is the default environment; "@name" a named environment; otherwise an absolute project directory. */
export type ResolvedProject = string;

const PROJECT_NAMES = ["JuliaProject.toml", "Project.toml"];

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return "/" + parts.join("/");
}

export function absPath(p: string, cwd: string, home: string | undefined): string {
  let q = p;
  if (home && (q === "~" || q.startsWith("~/"))) q = home + q.slice(1);
  return normalize(q.startsWith("/") ? q : `${cwd}/${q}`);
}

/** julia's `current_project(dir)`: the nearest directory upwards holding a project file. */
export function findProject(start: string, isFile: (p: string) => boolean): string | null {
  let dir = normalize(start);
  for (;;) {
    for (const name of PROJECT_NAMES) {
      const candidate = dir === "/" ? `/${name}` : `${dir}/${name}`;
      if (isFile(candidate)) return candidate;
    }
    if (dir === "/") return null;
    dir = dir.slice(0, dir.lastIndexOf("/")) || "/";
  }
}

const dirname = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";

/**
 * One spelling per project, so `--project`, `--project=.` and
 * `--project=./Project.toml` share one warm worker: julia accepts a directory
 * or its project file alike, and activates the same environment.
 */
function projectDir(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return PROJECT_NAMES.includes(base) ? dirname(path) : path;
}

export function resolveProject(inp: ProjectInputs): ResolvedProject {
  const spec = inp.option ?? inp.clientEnv.JULIA_PROJECT;
  if (spec === undefined || spec === "") return "";
  const found = (p: string | null) => (p ? dirname(p) : "");
  if (spec === "@.") return found(findProject(inp.cwd, inp.isFile));
  if (spec === "@script") {
    if (!inp.programFile || inp.programFile === "-") return "";
    const script = absPath(inp.programFile, inp.cwd, inp.clientEnv.HOME);
    return found(findProject(dirname(script), inp.isFile));
  }
  if (spec.startsWith("@")) return spec;
  return projectDir(absPath(spec, inp.cwd, inp.clientEnv.HOME));
}
