/** Keeps the server's JSON request logs out of test output unless a run asks for them with LOG_LEVEL. */
process.env.LOG_LEVEL ??= 'SILENT';
