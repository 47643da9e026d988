// Differential cases for stdio: stdin (text, binary, empty, many lines;
// readline, read, eachline; pipe, file, /dev/null), large and binary stdout,
// stderr, partial lines, Unicode, and a reader that closes stdout early
// (`| head -1`: julia's EPIPE behaviour). Each runs through julia and
// juliaclient (suite.ts).

import type { DiffCase } from "./case.ts";
import { differentialSuite } from "./suite.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
const manyLines = Array.from({ length: 100_000 }, (_, i) => `${i}\n`).join("");

const cases: DiffCase[] = [
  // ---- stdin
  { cat: "stdin", argv: ["-e", "println(repr(readline())); println(repr(readline()))"], stdin: "first\nsecond\n" },
  { cat: "stdin", argv: ["-e", "println(repr(readline(keep = true)))"], stdin: "kept\r\nrest" },
  { cat: "stdin", argv: ["-e", "println(repr(readline())); println(repr(readline())); println(eof(stdin))"], stdin: "no newline" },
  { cat: "stdin", argv: ["-e", "print(read(stdin, String))"], stdin: "all of\nit\n" },
  { cat: "stdin", argv: ["-e", "for l in eachline(stdin); println(length(l), ':', l); end"], stdin: "a\nbb\n\nccc" },
  { cat: "stdin", argv: ["-e", "for l in eachline(); println(uppercase(l)); end"], stdin: "x\ny\n" },
  { cat: "stdin", name: "binary stdin reversed to stdout", argv: ["-e", "write(stdout, reverse(read(stdin)))"], stdin: bytes(1024) },
  { cat: "stdin", name: "empty pipe", argv: ["-e", "println(repr(read(stdin, String))); println(eof(stdin)); println(repr(readline()))"], stdin: "" },
  { cat: "stdin", name: "/dev/null", argv: ["-e", "println(repr(read(stdin, String))); println(eof(stdin)); println(repr(readline()))"] },
  { cat: "stdin", name: "a file as stdin", argv: ["-e", "println(readline()); println(length(read(stdin)))"], stdin: "line\n" + "z".repeat(5000), stdinKind: "file" },
  { cat: "stdin", name: "100k lines summed with eachline", argv: ["-e", "let s = 0, n = 0; for l in eachline(); s += parse(Int, l); n += 1; end; println(n, ' ', s); end"], stdin: manyLines },
  { cat: "stdin", name: "4 MB of binary stdin", argv: ["-e", "b = read(stdin); println(length(b), ' ', sum(Int, b))"], stdin: bytes(4 << 20) },
  { cat: "stdin", argv: ["-e", "println(read(stdin, 3)); println(read(stdin, Char)); println(readavailable(stdin) |> String)"], stdin: "abcdé and more" },
  { cat: "stdin", argv: ["-e", "println(typeof(stdin) <: IO, ' ', isreadable(stdin))"], stdin: "" },
  { cat: "stdin", name: "no program: the non-interactive fallback evaluates stdin", argv: [], stdin: 'x = 20\nprintln(x + 1)\n"shown"\n' },

  // ---- large and binary output
  { cat: "output", name: "10 MB in one write", argv: ["-e", 'write(stdout, repeat("0123456789", 10^6))'] },
  { cat: "output", name: "50k lines", argv: ["-e", "for i in 1:50_000; println(i); end"] },
  { cat: "output", name: "binary bytes 0x00-0xff", argv: ["-e", "for _ in 1:1000; write(stdout, UInt8.(0:255)); end"] },
  { cat: "output", name: "invalid UTF-8 and control bytes", argv: ["-e", 'write(stdout, [0xff, 0xfe, 0x80, 0x00, 0x0d, 0x0a]); print("\\r\\t\\0\\e[0m")'] },
  { cat: "output", argv: ["-e", "print(stdout, 1, 2.5, 'c', :sym, nothing, missing); println()"] },

  // ---- stderr
  { cat: "stderr", argv: ["-e", 'println(stderr, "to stderr"); println("to stdout")'] },
  { cat: "stderr", argv: ["-e", 'for i in 1:5; print(stdout, "o", i, " "); print(stderr, "e", i, " "); end'] },
  { cat: "stderr", name: "1 MB to stderr", argv: ["-e", 'write(stderr, repeat("e", 1 << 20)); println("done")'] },
  { cat: "stderr", argv: ["-e", "show(stderr, [1, 2]); println(stderr); printstyled(stderr, \"styled\\n\"; bold = true)"] },

  // ---- partial lines
  { cat: "partial", argv: ["-e", 'print("no newline")'] },
  { cat: "partial", argv: ["-e", 'print(stderr, "partial err")'] },
  { cat: "partial", argv: ["-e", 'print("a"); flush(stdout); print("b"); sleep(0.05); print("c")'] },
  { cat: "partial", argv: ["-e", 'print("before exit"); exit(0)'] },
  { cat: "partial", argv: ["-e", 'print("before error"); error("x")'], backtrace: true },

  // ---- Unicode
  { cat: "unicode", argv: ["-e", 'println("héllo wörld ∀x∈ℝ 🎉 日本語")'] },
  { cat: "unicode", argv: ["-e", 's = "🎉é"; println(length(s), " ", sizeof(s), " ", repr(s), " ", collect(s))'] },
  { cat: "unicode", argv: ["-e", "println(ARGS[1], ' ', length(ARGS[1]))", "ünïcødé ✓"] },
  { cat: "unicode", argv: ["-e", "l = readline(); println(reverse(l), ' ', length(l))"], stdin: "ünï 🎉\n" },
  { cat: "unicode", argv: ["ünï.jl"], files: { "ünï.jl": 'println(basename(@__FILE__), " ", "ω")\n' } },
  { cat: "unicode", argv: ["-e", 'println(stderr, "错误 ⚠")'] },

  // ---- a reader that stops early: | head -1
  { cat: "head", name: "many println into | head -1", argv: ["-e", "for i in 1:10^6; println(i); end"], head: 1, backtrace: true },
  { cat: "head", name: "one 10 MB write into | head -1", argv: ["-e", 'write(stdout, repeat("line\\n", 2 * 10^6))'], head: 1, backtrace: true },
  { cat: "head", name: "println in a function into | head -2", argv: ["prog.jl"], files: { "prog.jl": "function f()\n  for i in 1:10^6\n    println(\"row \", i)\n  end\nend\nf()\n" }, head: 2, backtrace: true },
  { cat: "head", name: "EPIPE caught by the program", argv: ["-e", 'try; for i in 1:10^6; println(i); end; catch e; println(stderr, "caught ", typeof(e)); end'], head: 1 },
];

differentialSuite("stdio", cases);
