// Compile a Solidity file with solc-js (the `solc` npm package) and print its runtime bytecode and
// creation bytecode and method identifiers as JSON. Usage: node solc_compile.cjs NODE_MODULES FILE.sol CONTRACT EVM_VERSION
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const [modules, file, contract, evmVersion] = process.argv.slice(2);
const solc = require(path.resolve(modules, "solc"));
const name = path.basename(file);
const input = {
    language: "Solidity",
    sources: { [name]: { content: fs.readFileSync(file, "utf8") } },
    settings: {
        evmVersion,
        optimizer: { enabled: true, runs: 200 },
        outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"] } },
    },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
    process.stderr.write(errors.map((e) => e.formattedMessage).join("\n"));
    process.exit(1);
}
const compiled = output.contracts[name][contract];
process.stdout.write(
    JSON.stringify({
        solc: solc.version(),
        creation: compiled.evm.bytecode.object,
        runtime: compiled.evm.deployedBytecode.object,
        methods: compiled.evm.methodIdentifiers,
    })
);
