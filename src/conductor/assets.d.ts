// Files imported `with { type: "file" }` (the embedded Julia worker) are paths.
declare module "*.jl" {
  const path: string;
  export default path;
}
declare module "*.toml" {
  const path: string;
  export default path;
}
declare module "*.service" {
  const text: string;
  export default text;
}
declare module "*.socket" {
  const text: string;
  export default text;
}
