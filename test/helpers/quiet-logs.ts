/**
 * Keeps the server's JSON request logs out of test output unless a run asks for them with LOG_LEVEL,
 * and its EMF metrics with Powertools' own switch (the tests of the metrics turn it back on).
 */
process.env.LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
