import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printable } from '../../src/output/printable.js';
import { colorEnabled } from '../../src/output/style.js';

describe('style', () => {
  it('printable escapes every control character but the tab, and leaves other text alone', () => {
    assert.equal(printable('\u001b[2J\u001b]0;t\u0007'), '\\u001b[2J\\u001b]0;t\\u0007');
    assert.equal(printable('a\nb\rc\td'), 'a\\nb\\rc\td');
    assert.equal(printable('\u009b\u007f'), '\\u009b\\u007f');
    assert.equal(printable('Goedemiddag — “Receptie” ✓'), 'Goedemiddag — “Receptie” ✓');
  });

  it('colour only on a terminal, never with NO_COLOR or --no-color', () => {
    assert.equal(colorEnabled({ isTTY: true }, {}, undefined), true);
    assert.equal(colorEnabled({ isTTY: false }, {}, undefined), false);
    assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '1' }, undefined), false);
    assert.equal(colorEnabled({ isTTY: true }, {}, false), false);
    assert.equal(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' }, undefined), true);
  });

  it('none in CI, on a dumb terminal, or with FORCE_COLOR=0, as README promises; FORCE_COLOR=1 wins over CI', () => {
    assert.equal(colorEnabled({ isTTY: true }, { CI: 'true' }, undefined), false);
    assert.equal(colorEnabled({ isTTY: true }, { TERM: 'dumb' }, undefined), false);
    assert.equal(colorEnabled({ isTTY: true }, { FORCE_COLOR: '0' }, undefined), false);
    assert.equal(colorEnabled({ isTTY: true }, { CI: 'false' }, undefined), true);
    assert.equal(colorEnabled({ isTTY: false }, { CI: 'true', FORCE_COLOR: '1' }, undefined), true);
  });
});
