// julia's switch grammar for juliaclient: a pure module (no node:* imports, no dependencies)
// because the tiny client binary imports it before it has connected to anything.

export {
  ArgsError,
  parseArgsWith,
  parseJuliaArgs,
  renderSwitch,
  type Action,
  type OptionTables,
  type ParsedArgs,
  type Switch,
} from "./parse.ts";
export {
  CLIENT_LONG_OPTIONS,
  JULIA_LONG_OPTIONS,
  JULIA_SHORT_OPTIONS,
  type Arity,
  type Check,
  type OptionSpec,
  type Role,
} from "./table.ts";
