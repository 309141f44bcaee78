// The platforms' reference implementations, for tests/test_reference_counts.py.
// Usage: node reference.js PLATFORM < texts.json > results.json
// One process per platform, every text at once (a JSON array in, one out).
'use strict';
const fs = require('fs');

const counters = {
  // X: twitter-text 3.1.0 parseTweet (config v3) and its URL extraction.
  x() {
    const twitter = require('twitter-text');
    return (text) => {
      const parsed = twitter.parseTweet(text);
      return {weightedLength: parsed.weightedLength, valid: parsed.valid,
              validRangeEnd: parsed.validRangeEnd,
              urls: twitter.extractUrlsWithIndices(text.normalize()).map((u) => u.url)};
    };
  },
  // Bluesky: @atproto/api RichText (graphemes) and UTF-8 bytes.
  bluesky() {
    const {RichText} = require('@atproto/api');
    return (text) => {
      const rt = new RichText({text});
      return {graphemes: rt.graphemeLength, bytes: rt.length};
    };
  },
  // Mastodon 4.5's StatusLengthValidator, written from its Ruby (the server's
  // Extractor, config/initializers/twitter_regex.rb over the twitter-text 3.1 gem,
  // Account::MENTION_RE) as JavaScript regular expressions run the way Ruby's
  // String#scan runs them. The TLD lists are twitter-text's (the gem ships the
  // same). Not Ruby: IDN domains go through UTS 46 (url.domainToASCII) where the
  // gem uses IDNA2003, and graphemes through ICU (Intl.Segmenter), which has
  // Unicode 15.1's Indic-conjunct rule that Ruby 3.4 lacks; the test names both.
  mastodon() {
    const R = require('twitter-text').regexen;
    const {domainToASCII} = require('url');
    const latin = R.latinAccentChars.source;
    const directional = '\\u202A-\\u202E\\u061C\\u200E\\u200F\\u2066-\\u2069';
    const invalid = '\\uFFFE\\uFEFF\\uFFFF';
    const unicodeSpaces = R.spaces.source.slice(1, -1);
    const punctuation = '!"#$%&\'()*+,\\-./:;<=>?@\\[\\]^_`{|}~';
    const dvc = `[^${directional}${punctuation}\\t\\n\\v\\f\\r \\x00-\\x1F\\x7F${invalid}${unicodeSpaces}]`;
    const subdomain = `(?:(?:${dvc}(?:[_\\-]|${dvc})*)?${dvc}\\.)`;
    const domainName = `(?:(?:${dvc}(?:[\\-]|${dvc})*)?${dvc}\\.)`;
    const domain = `(?:${subdomain}*${domainName}(?:${R.validGTLD.source}|${R.validCCTLD.source}|(?:xn--[0-9a-z]+)))`;
    const preceding = `(?:[^A-Z0-9@\\uFF20$#\\uFF03${invalid}]|[${directional}]|^)`;
    const gemPc = `[a-z\\p{Script=Cyrillic}0-9!*';:=+,.$\\/%#\\[\\]\\p{Pd}_~&|@${latin}]`;
    const gemParens = `\\((?:${gemPc}+|(?:${gemPc}*\\(${gemPc}+\\)${gemPc}*))\\)`;
    const pc = '[^\\p{White_Space}<>()?]';
    const parens = `\\((?:${pc}+|(?:${pc}*\\(${pc}+\\)${pc}*))\\)`;
    const ending = `(?:[^\\p{White_Space}()?!*"'「」<>;:=,.$%\\[\\]~&|@]|(?:${gemParens}))`;
    const path = `(?:(?:${pc}*(?:${parens}${pc}*)*${ending})|(?:${pc}+\\/))`;
    const uchars = '\\u{A0}-\\u{D7FF}\\u{F900}-\\u{FDCF}\\u{FDF0}-\\u{FFEF}\\u{10000}-\\u{1FFFD}' +
      '\\u{20000}-\\u{2FFFD}\\u{30000}-\\u{3FFFD}\\u{40000}-\\u{4FFFD}\\u{50000}-\\u{5FFFD}' +
      '\\u{60000}-\\u{6FFFD}\\u{70000}-\\u{7FFFD}\\u{80000}-\\u{8FFFD}\\u{90000}-\\u{9FFFD}' +
      '\\u{A0000}-\\u{AFFFD}\\u{B0000}-\\u{BFFFD}\\u{C0000}-\\u{CFFFD}\\u{D0000}-\\u{DFFFD}' +
      '\\u{E1000}-\\u{EFFFD}\\u{E000}-\\u{F8FF}\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}';
    const query = `[a-z0-9!?*'();:&=+$\\/%#\\[\\]\\-_.,~|@\\^${uchars}]`;
    const queryEnd = `[a-z0-9_&=#\\/\\-${uchars}]`;
    const schemes = '(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini):\\/\\/';
    const validUrl = new RegExp(`(${preceding})((${schemes})?(${domain})(?::([0-9]+))?` +
      `(\\/${path}*)?(\\?${query}*${queryEnd})?)`, 'giu');
    const tco = /^https?:\/\/t\.co\/([a-z0-9]+)/i;
    const word = '[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]';
    const mention = new RegExp(`(?<![=/]|${word})@([a-zA-Z0-9_]+(?:[.\\-]+[a-zA-Z0-9_]+)*` +
      `(?:@${word}+(?:[.\\-]+${word}+)*)?)`, 'gu');
    const endMention = new RegExp(`^(?:[@\\uFF20]|[${latin}]|:\\/\\/)`, 'u');
    const segmenter = new Intl.Segmenter();
    const strip = (s) => s.replace(/^[\0\t\n\v\f\r ]+|[\0\t\n\v\f\r ]+$/g, '');

    const urls = (text) => {
      const found = [];
      if (!text.includes(':')) return found;
      validUrl.lastIndex = 0;
      let m;
      while ((m = validUrl.exec(text)) !== null) {
        const [, before, whole, protocol, host] = m;
        if (!protocol) continue;
        let url = whole;
        const start = m.index + before.length;
        const t = url.match(tco);
        if (t) {
          if (t[1].length > 40) continue;
          url = t[0];
        }
        const ascii = domainToASCII(host);
        if (!ascii) continue;
        const length = [...url].length + Math.max([...ascii].length - [...host].length, 0);
        if (length > 4096) continue;
        found.push({url, start, end: start + url.length});
      }
      return found;
    };
    const mentions = (text) => {
      const found = [];
      if (!/[@\uFF20]/.test(text)) return found;
      for (const m of text.matchAll(mention)) {
        const end = m.index + m[0].length;
        if (endMention.test(text.slice(end))) continue;
        const host = m[1].split('@')[1];
        if (host && [...host].length > 253) continue;
        found.push({screenName: m[1], start: m.index, end});
      }
      return found;
    };
    const countable = (text) => {
      if (!text) return '';
      const entities = [...urls(text), ...mentions(text)].sort((a, b) => a.start - b.start);
      let out = '';
      let at = 0;
      let prev = null;
      for (const e of entities) {
        if (prev && prev.end > e.start) continue;
        prev = e;
        out += text.slice(at, e.start) + (e.url ? 'x'.repeat(23) : '@' + e.screenName.split('@')[0]);
        at = e.end;
      }
      return out + text.slice(at);
    };
    return ([text, cw]) => {
      const combined = strip(cw) + countable(strip(text));
      return {length: [...segmenter.segment(combined)].length};
    };
  },
  // SMS: Twilio's sms-segments-calculator, and the graphemes it weighs whole
  // (grapheme-splitter's, with CR LF split).
  sms() {
    const {SegmentedMessage} = require('sms-segments-calculator');
    return (text) => {
      const m = new SegmentedMessage(text);
      return {encoding: m.encodingName, segments: m.segmentsCount, graphemes: m.graphemes};
    };
  },
};

const make = counters[process.argv[2]];
if (!make) {
  process.stderr.write(`unknown platform ${process.argv[2]}\n`);
  process.exit(2);
}
const count = make();
const texts = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(texts.map(count)));
