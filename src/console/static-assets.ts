import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One file the console serves: its bytes and content type. */
export interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the console's own files sit: `src/console/assets` of the installed package. */
export function assetsDir(): string {
  // Compiled to dist/src/console; the assets ship as they are, beside the sources.
  return path.resolve(__dirname, '..', '..', '..', 'src', 'console', 'assets');
}

/**
 * Loads every console file once, at start: the console's own assets by URL path
 * (`/console/app.js`), and Chart.js's UMD build from the installed `chart.js` package at
 * `/console/vendor/chart.umd.min.js`. A fixed map: no path from a request reaches the
 * filesystem.
 */
export function loadAssets(dir = assetsDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of ['index.html', 'app.js', 'format.js', 'pages.js', 'style.css', 'favicon.svg']) {
    assets.set(`/console/${name}`, { body: readFileSync(path.join(dir, name)), type: TYPES[path.extname(name)]! });
  }
  const chartDir = path.dirname(require.resolve('chart.js'));
  assets.set('/console/vendor/chart.umd.min.js', { body: readFileSync(path.join(chartDir, 'chart.umd.min.js')), type: TYPES['.js']! });
  return assets;
}
