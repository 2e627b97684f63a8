// Builds the browser UI into dist/public (filled in by the web package).
