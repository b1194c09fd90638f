// Node-RED settings for the side-by-side benchmark: no editor, no admin API, nothing
// written beside the flow, the word lists handed to the function node as a global.
module.exports = {
    flowFile: process.env.NODE_RED_FLOW_FILE,
    uiHost: "127.0.0.1",
    httpAdminRoot: false,
    disableEditor: true,
    credentialSecret: false,
    flowFilePretty: false,
    contextStorage: { default: { module: "memory" } },
    functionGlobalContext: { words: require("./words.json") },
    logging: { console: { level: "warn", metrics: false, audit: false } },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
};
