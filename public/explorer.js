// Versionary API explorer: signs in through /v3/auth/tokens, then gives the Scalar reference the
// token and the project id, so every "try it" call is authenticated without pasting anything.
(function () {
  'use strict';
  var KEY = 'versionary-session';
  var session = null;
  try {
    session = JSON.parse(localStorage.getItem(KEY) || 'null');
  } catch (e) {
    session = null;
  }
  if (session && Date.parse(session.expiresAt) <= Date.now()) session = null;

  // Scalar keeps its sidebar and headings below a custom header of this height.
  var bar = document.getElementById('versionary-bar');
  function fitBar() {
    document.documentElement.style.setProperty('--scalar-custom-header-height', bar.offsetHeight + 'px');
  }
  fitBar();
  if (window.ResizeObserver) new ResizeObserver(fitBar).observe(bar);

  var form = document.getElementById('signin');
  var signedIn = document.getElementById('signed-in');
  var error = document.getElementById('signin-error');

  if (session) {
    signedIn.hidden = false;
    document.getElementById('who').textContent =
      'Signed in as ' + session.user + ' · project ' + session.projectName + ' (' + session.projectId + ')';
  } else {
    form.hidden = false;
  }

  document.getElementById('signout').addEventListener('click', function () {
    localStorage.removeItem(KEY);
    location.reload();
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    error.textContent = '';
    var f = new FormData(form);
    var scope = f.get('project') ? { project: { name: f.get('project') } } : undefined;
    var body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { domain: { name: f.get('domain') }, name: f.get('user'), password: f.get('password') } },
        },
        scope: scope,
      },
    };
    fetch('/v3/auth/tokens?nocatalog=true', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then(function (res) {
        return res.json().then(function (json) {
          if (res.status !== 201) throw new Error(json.error_msg || 'sign-in failed (' + res.status + ')');
          var t = json.token;
          var project = t.project || null;
          localStorage.setItem(
            KEY,
            JSON.stringify({
              token: res.headers.get('X-Subject-Token'),
              user: t.user.name,
              projectId: project ? project.id : '',
              projectName: project ? project.name : '(domain ' + t.domain.name + ')',
              domainId: (t.user && t.user.domain && t.user.domain.id) || (t.domain && t.domain.id) || '',
              expiresAt: t.expires_at,
            }),
          );
          location.reload();
        });
      })
      .catch(function (e) {
        error.textContent = e.message;
      });
  });

  // The project of the session fills every {project_id}; a fresh UUID fills every Client-Request-Id.
  // An optional enum parameter starts empty and off: Scalar would otherwise fill in its first value and
  // send it, so that a first "try it" of a list would filter. Choosing a value turns it on.
  // The code samples get the signed-in project and domain where they say {project_id} and {domain_id}.
  function fill(source) {
    if (session && session.projectId) source = source.split('{project_id}').join(session.projectId);
    if (session && session.domainId) source = source.split('{domain_id}').join(session.domainId);
    return source;
  }

  function personalise(doc) {
    Object.keys(doc.paths || {}).forEach(function (path) {
      var item = doc.paths[path];
      Object.keys(item).forEach(function (method) {
        (item[method]['x-codeSamples'] || []).forEach(function (sample) {
          sample.source = fill(sample.source);
        });
        (item[method].parameters || []).forEach(function (p) {
          var enumerated = p.schema && Array.isArray(p.schema.enum) && p.schema.default === undefined;
          if (!p.required && enumerated && p.example === undefined && p.examples === undefined) p.example = null;
          if (p.name === 'project_id' && session && session.projectId) {
            p.example = session.projectId;
            p.schema = Object.assign({}, p.schema, { default: session.projectId });
          }
          if (p.name === 'client-request-id' && window.crypto && crypto.randomUUID) p.example = crypto.randomUUID();
        });
      });
    });
    doc.servers = [{ url: location.origin, description: 'this Versionary server' }];
    return doc;
  }

  fetch('/openapi.json')
    .then(function (res) {
      return res.json();
    })
    .then(function (doc) {
      Scalar.createApiReference('#app', {
        content: personalise(doc),
        // Offline: nothing on the page may reach a service outside this server.
        withDefaultFonts: false,
        telemetry: false,
        proxyUrl: '',
        agent: { disabled: true },
        mcp: { disabled: true },
        hideClientButton: true,
        showToolbar: 'never',
        showDeveloperTools: 'never',
        hideDownloadButton: false,
        // The official SDKs' samples of the document (x-codeSamples) come first, Node.js selected; then curl and the
        // generic clients.
        defaultHttpClient: { targetKey: 'custom', clientKey: 'node' },
        hiddenClients: {
          c: true,
          clojure: true,
          csharp: true,
          dart: true,
          fsharp: true,
          http: false,
          java: true,
          kotlin: true,
          objc: true,
          ocaml: true,
          php: true,
          powershell: true,
          r: true,
          ruby: true,
          rust: true,
          swift: true,
        },
        authentication: session
          ? { preferredSecurityScheme: 'iamToken', securitySchemes: { iamToken: { value: session.token } } }
          : { preferredSecurityScheme: 'iamToken' },
      });
    });
})();
