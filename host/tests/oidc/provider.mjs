// An OpenID provider on loopback for the sign-in tests: `node provider.mjs PORT REDIRECT_URI`.
// Any login name signs in (the package's development screens); the account NAME has the
// address NAME@example.com and the groups listed after `+` in its name (`dana+social`).

import Provider from 'oidc-provider';

const [port, redirect] = process.argv.slice(2);
if (!port || !redirect) {
  console.error('usage: node provider.mjs PORT REDIRECT_URI');
  process.exit(2);
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'roost',
    client_secret: 'roost-test-secret',
    redirect_uris: [redirect],
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  conformIdTokenClaims: false,
  cookies: { keys: ['roost-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const [name, ...groups] = id.split('+');
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${name}@example.com`, email_verified: true, name, groups };
      },
    };
  },
});

provider.listen(Number(port), '127.0.0.1', () => console.log(`listening on ${port}`));
