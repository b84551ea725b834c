// The REST API, as the page's scripts call it: a short-lived access token from the page's
// own session (POST /app/token, with the page's CSRF token), fetched again shortly before it
// expires and after a 401. No timer: a token is only fetched when a call needs one.

const MARGIN_MS = 60_000;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `The server answered ${status}.`);
    this.status = status;
    this.code = (body && body.error) || "Error";
    this.body = body;
  }
}

export class SessionEnded extends Error {
  constructor() {
    super("Your session has ended: log in again.");
    this.sessionEnded = true;
  }
}

export function createApi({ csrf, fetchImpl = (...args) => globalThis.fetch(...args), now = () => Date.now() }) {
  let token = null;
  let expiresAt = 0;
  let inflight = null;

  async function fetchToken() {
    const response = await fetchImpl("/app/token", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
    });
    if (response.status === 401 || response.status === 403) throw new SessionEnded();
    if (!response.ok) throw new ApiError(response.status, await body(response));
    const data = await response.json();
    token = data.access_token;
    expiresAt = Date.parse(data.expires_at) || now() + 5 * 60_000;
    return token;
  }

  /** A valid access token; `fresh` forces a new one (after a refused one). */
  async function accessToken(fresh = false) {
    if (!fresh && token && now() < expiresAt - MARGIN_MS) return token;
    if (!inflight) inflight = fetchToken().finally(() => (inflight = null));
    return inflight;
  }

  async function request(method, path, payload, { retried = false } = {}) {
    const credential = await accessToken();
    const headers = { Authorization: `Bearer ${credential}`, Accept: "application/json" };
    const init = { method, headers };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const response = await fetchImpl(path, init);
    if (response.status === 401 && !retried) {
      token = null;
      await accessToken(true);
      return request(method, path, payload, { retried: true });
    }
    const data = await body(response);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  /** Uploads a file with progress (fetch cannot report it): resolves with the attachment. */
  async function upload(path, file, onProgress = () => {}, XHR = globalThis.XMLHttpRequest) {
    const credential = await accessToken();
    return new Promise((resolve, reject) => {
      const xhr = new XHR();
      xhr.open("POST", path);
      xhr.setRequestHeader("Authorization", `Bearer ${credential}`);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        let data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch {
          data = null;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data);
        else reject(new ApiError(xhr.status, data));
      };
      xhr.onerror = () => reject(new ApiError(0, { detail: "The upload failed: check your connection." }));
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
  }

  /** A file the API serves (attachments need the bearer token, so no plain link): a blob. */
  async function blob(path, { retried = false } = {}) {
    const credential = await accessToken();
    const response = await fetchImpl(path, { headers: { Authorization: `Bearer ${credential}` } });
    if (response.status === 401 && !retried) {
      token = null;
      await accessToken(true);
      return blob(path, { retried: true });
    }
    if (!response.ok) throw new ApiError(response.status, await body(response));
    return response.blob();
  }

  return {
    accessToken,
    blob,
    get: (path) => request("GET", path),
    post: (path, payload = {}) => request("POST", path, payload),
    put: (path, payload) => request("PUT", path, payload),
    patch: (path, payload) => request("PATCH", path, payload),
    upload,
  };
}

async function body(response) {
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}
