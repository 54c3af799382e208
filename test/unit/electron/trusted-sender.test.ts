import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APP_ORIGIN, isAppUrl, isTrustedSender, type IpcSender } from '../../../electron/main/trusted-sender.js';

const WINDOW = 7;
const sender = (changes: Partial<IpcSender> = {}): IpcSender => ({ frameUrl: 'app://croissant2ban/index.html', isMainFrame: true, webContentsId: WINDOW, ...changes });

test('the app origin is app://croissant2ban', () => {
  assert.equal(APP_ORIGIN, 'app://croissant2ban');
});

test("the top frame of the app's window on the app's pages is trusted", () => {
  assert.equal(isTrustedSender(sender(), WINDOW), true);
  assert.equal(isTrustedSender(sender({ frameUrl: 'app://croissant2ban/' }), WINDOW), true);
  assert.equal(isTrustedSender(sender({ frameUrl: 'app://croissant2ban/index.html?view=bans#203.0.113.7' }), WINDOW), true);
});

test('a subframe, another page, a gone frame or no window at all is refused', () => {
  assert.equal(isTrustedSender(sender({ isMainFrame: false }), WINDOW), false, 'subframe');
  assert.equal(isTrustedSender(sender({ webContentsId: WINDOW + 1 }), WINDOW), false, 'other webContents');
  assert.equal(isTrustedSender(sender({ frameUrl: null }), WINDOW), false, 'frame gone');
  assert.equal(isTrustedSender(sender(), null), false, 'no window');
});

test('any other origin is refused, even in the right frame', () => {
  for (const frameUrl of [
    'http://croissant2ban/index.html',
    'https://croissant2ban/index.html',
    'file:///usr/lib/croissant2ban/window/index.html',
    'app://other/index.html',
    'app://croissant2ban.evil.example/index.html',
    'app://croissant2ban:8080/index.html',
    'app://evil.example/croissant2ban/index.html',
    'apps://croissant2ban/index.html',
    'about:blank',
    'data:text/html,<script>1</script>',
    'javascript:alert(1)',
    'devtools://devtools/bundled/index.html',
    'app:croissant2ban',
    'not a url',
    '',
  ]) {
    assert.equal(isTrustedSender(sender({ frameUrl }), WINDOW), false, frameUrl);
  }
});

test('isAppUrl allows only pages of the app origin', () => {
  assert.equal(isAppUrl('app://croissant2ban/index.html'), true);
  assert.equal(isAppUrl('app://croissant2ban/'), true);
  for (const url of ['https://example.org/', 'http://croissant2ban/', 'file:///etc/passwd', 'app://other/', 'app://croissant2ban:1/', 'chrome://settings', '%%', '']) {
    assert.equal(isAppUrl(url), false, url);
  }
});
