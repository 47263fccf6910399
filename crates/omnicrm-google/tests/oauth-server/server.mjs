// A real OAuth 2 server on loopback for omnicrm-google's sign-in tests: oauth2-mock-server,
// shaped like Google where the tests need it, plus a small control API for the tests.
//
//   node server.mjs            listens on 127.0.0.1, a port the OS picks
//
// It prints one line, {"port": N}, once it is listening, and stops when stdin closes (so a test
// that dies never leaves it behind).
//
// Google-like behaviour: userinfo answers with an email address; the token endpoint reports the
// scope the authorize request asked for; a refresh answers without a new refresh token.
// oauth2-mock-server itself checks PKCE: a code issued for a code_challenge is only exchanged
// with a code_verifier whose S256 (or plain) transform matches it.
//
// Control API (JSON):
//   POST /__test/settings   merge settings (see `settings` below)
//   GET  /__test/requests   what the server received: authorize queries, token request bodies
//                           (with the tokens it issued), userinfo Authorization headers, revoke
//                           bodies
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import express, { urlencoded } from 'express';
import { OAuth2Issuer, OAuth2Service } from 'oauth2-mock-server';

const settings = {
  // Answer the authorize request with error=access_denied (the user clicked Cancel).
  denyConsent: false,
  // Redirect back with a state other than the one sent (a forged redirect).
  wrongState: false,
  // Refuse refresh tokens with invalid_grant (revoked or expired grant).
  refreshInvalidGrant: false,
  // The HTTP status of the revocation endpoint.
  revokeStatus: 200,
  // Access token lifetime in seconds.
  expiresIn: 3600,
  // Send a new refresh token on refresh (Google does not).
  rotateRefreshToken: false,
  email: 'practitioner@example.com',
};
const seen = { authorize: [], token: [], userinfo: [], revoke: [] };
let lastScope;

const issuer = new OAuth2Issuer();
await issuer.keys.generate('RS256');
const service = new OAuth2Service(issuer);

// Tokens signed within the same second would otherwise be identical; real ones never are.
service.on('beforeTokenSigning', (token) => {
  token.payload.jti = randomUUID();
});

service.on('beforeAuthorizeRedirect', (redirect, req) => {
  const query = Object.fromEntries(new URL(req.url, 'http://127.0.0.1').searchParams);
  seen.authorize.push(query);
  lastScope = query.scope;
  if (settings.denyConsent) {
    redirect.url.searchParams.delete('code');
    redirect.url.searchParams.set('error', 'access_denied');
  }
  if (settings.wrongState) {
    redirect.url.searchParams.set('state', 'forged-state');
  }
});

service.on('beforeResponse', (response, req) => {
  const body = req.body ?? {};
  const refreshing = body.grant_type === 'refresh_token';
  if (refreshing && settings.refreshInvalidGrant) {
    response.statusCode = 400;
    response.body = { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' };
  } else if (response.statusCode === 200) {
    response.body.expires_in = settings.expiresIn;
    if (lastScope) response.body.scope = lastScope;
    if (refreshing && !settings.rotateRefreshToken) delete response.body.refresh_token;
  }
  seen.token.push({
    grant_type: body.grant_type,
    code: body.code,
    code_verifier: body.code_verifier,
    redirect_uri: body.redirect_uri,
    refresh_token: body.refresh_token,
    client_id: body.client_id,
    client_secret: body.client_secret,
    status: response.statusCode,
    issued_access_token: response.body.access_token,
    issued_refresh_token: response.body.refresh_token,
  });
});

service.on('beforeUserinfo', (response, req) => {
  seen.userinfo.push({ authorization: req.headers.authorization });
  response.body = { sub: '108374629110', email: settings.email, email_verified: true };
});

service.on('beforeRevoke', (response, req) => {
  seen.revoke.push({ token: req.body?.token, status: settings.revokeStatus });
  response.statusCode = settings.revokeStatus;
});

const app = express();
app.post('/__test/settings', express.json(), (req, res) => {
  Object.assign(settings, req.body);
  res.json(settings);
});
app.get('/__test/requests', (_req, res) => res.json(seen));
// The mock parses only JSON on /revoke; RFC 7009 sends a form.
app.post('/revoke', urlencoded({ extended: false }));
app.use(service.requestHandler);

const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  issuer.url = `http://127.0.0.1:${port}`;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
