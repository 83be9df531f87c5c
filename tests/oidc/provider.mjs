// A real OpenID Connect provider for the tests (the `oidc-provider` npm package), not a mock.
//
//   node tests/oidc/provider.mjs '<config JSON>'
//
// The config: {"client_id", "client_secret", "redirect_uris": [...], "accounts": {login: {...}}}.
// Each account: {"password", "email", "email_verified", "amr": [...], "acr": "..."}. It listens
// on a free port of 127.0.0.1, prints "READY <issuer>" and serves until stdin closes (so it
// never outlives the test run that started it). The login page checks the password; consent
// is given for the one first-party client. Keys are made fresh at each start.
import http from "node:http";
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const config = JSON.parse(process.argv[2]);
const accounts = config.accounts;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
    `<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => { raw += chunk; if (raw.length > 1e5) req.destroy(); });
    req.on("end", () => resolve(Object.fromEntries(new URLSearchParams(raw))));
    req.on("error", reject);
  });
}

const server = http.createServer();
server.listen(0, "127.0.0.1", async () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), alg: "RS256", use: "sig", kid: "test" };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: ["fieldbook-tests-only"] },
    // As Entra ID and NHS CIS2 do, the ID token says how the person signed in (amr, acr).
    claims: { openid: ["sub", "acr", "amr", "auth_time"], email: ["email", "email_verified"],
              profile: ["name"] },
    // true (the default): email is only at the userinfo endpoint; false: in the ID token too.
    conformIdTokenClaims: config.conform_id_token_claims ?? true,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: account.email, email_verified: account.email_verified,
                   name: account.name || id };
        },
      };
    },
    // A first-party client: consent is given without asking.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });

  const callback = provider.callback();
  server.on("request", async (req, res) => {
    if (req.url === "/favicon.ico") { res.statusCode = 204; return res.end(); }
    const match = req.url.match(/^\/interaction\/([\w-]+)$/);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      let error = "";
      if (req.method === "POST") {
        const form = await readForm(req);
        const account = accounts[form.login];
        if (account && account.password === form.password) {
          const login = { accountId: form.login };
          if (account.amr) login.amr = account.amr;
          if (account.acr) login.acr = account.acr;
          return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
        }
        error = '<p role="alert">Wrong username or password.</p>';
      }
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.end(page("Test identity provider: sign in", `${error}
        <form method="post" action="/interaction/${escape(details.uid)}">
          <label for="login">Username</label> <input id="login" name="login" autocomplete="username">
          <label for="password">Password</label> <input id="password" name="password" type="password">
          <button type="submit">Continue</button>
        </form>`));
    } catch (err) {
      res.statusCode = 400;
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.end(page("Test identity provider: error", `<p>${escape(err.message)}</p>`));
    }
  });

  process.stdout.write(`READY ${issuer}\n`);
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
