// A real OpenID Connect provider on loopback (panva's oidc-provider) for `make demo` and
// the login tests: one confidential client, users with passwords from a JSON file, a plain
// login form, consent given for the one client.  Not for production use.
//
//   node provider.mjs --port 8001 --client-id koschei --client-secret s3cret \
//        --redirect-uri http://127.0.0.1:8000/oidc/callback/ --users users.json \
//        [--max-seconds 3600]
//
// users.json: {"alice": {"password": "alice", "email": "alice@example.org", "name": "Alice"}}
// Prints "oidc-provider: listening on http://127.0.0.1:PORT" when ready.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '8001' },
    'client-id': { type: 'string', default: 'koschei' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    users: { type: 'string' },
    'max-seconds': { type: 'string', default: '0' },
  },
});
for (const required of ['client-secret', 'redirect-uri', 'users']) {
  if (!args[required]) {
    console.error(`oidc-provider: --${required} is required`);
    process.exit(2);
  }
}

const issuer = `http://127.0.0.1:${args.port}`;
const users = JSON.parse(readFileSync(args.users, 'utf8'));
const SCOPES = 'openid email profile';

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'koschei-demo' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: args['redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, email: user.email ?? `${id}@example.org`, name: user.name ?? id };
      },
    };
  },
  // the one client is first-party: its grant is given without a consent page
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, clientId, error = '') {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 22rem; margin: 4rem auto">
<h1>Sign in</h1><p>to ${escape(clientId)} (loopback OpenID provider)</p>
${error ? `<p role="alert" style="color: #c62828">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<p><label>User name <input name="login" autocomplete="username" required autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p></form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;
  if (req.method === 'GET') {
    if (prompt.name === 'login') return send(res, 200, loginPage(uid, params.client_id));
    return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  }
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await readForm(req);
    const login = form.get('login') ?? '';
    const user = Object.hasOwn(users, login) ? users[login] : undefined;
    if (!user || user.password !== form.get('password')) {
      return send(res, 200, loginPage(uid, params.client_id, 'Unknown user name or wrong password.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  }
  return send(res, 405, 'Method not allowed');
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      console.error(`oidc-provider: interaction failed: ${err.message}`);
      send(res, 400, `Sign-in failed: ${escape(err.message)}. Start again from the application.`);
    });
    return;
  }
  handle(req, res);
});

server.listen(Number(args.port), '127.0.0.1', () => {
  console.log(`oidc-provider: listening on ${issuer}`);
});
const maxSeconds = Number(args['max-seconds']);
if (maxSeconds > 0) setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
