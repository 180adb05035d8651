#include "delivery/curl_client.h"

#include <curl/curl.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>

namespace fanout::delivery {
namespace {
constexpr size_t kMaxPooled = 256;        // idle easy handles kept for reuse
constexpr size_t kMaxHeaders = 64;        // response headers kept per request
constexpr size_t kMaxHeaderValue = 4096;  // bytes kept per header value
constexpr size_t kMaxPreparedUrls = 64;   // distinct URLs parsed once; a destination sends to one or a few

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Whether the environment names a proxy for libcurl: a variable whose name ends in "_proxy" in any case
// (http_proxy, HTTPS_PROXY, all_proxy, no_proxy, ...). Read once, when the client is made.
bool environment_names_a_proxy() {
  constexpr std::string_view kSuffix = "_proxy";
  for (char** var = environ; var && *var; ++var) {
    std::string_view name(*var);
    name = name.substr(0, name.find('='));
    if (name.size() >= kSuffix.size() &&
        strncasecmp(name.data() + name.size() - kSuffix.size(), kSuffix.data(), kSuffix.size()) == 0)
      return true;
  }
  return false;
}

// The Accept-Encoding header sent with every request: "gzip" when this libcurl decodes it, the coding any
// server that compresses offers. Every byte of a request head costs libcurl ~90 instructions to print, and
// the platforms' answers are small JSON: offering deflate, br and zstd too (curl's list for
// CURLOPT_ACCEPT_ENCODING "") bought nothing for ~1.5k instructions a request (measured). Without zlib: every
// encoding this libcurl can decode, as curl would offer them; "" when it decodes none (then curl writes
// its own header). Decoding is unchanged: curl still decodes whatever it can.
std::string accept_encoding_header() {
  const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
  if (v->features & CURL_VERSION_LIBZ) return "Accept-Encoding: gzip";
  std::string list;
  auto add = [&](const char* name) { list += list.empty() ? name : std::string(", ") + name; };
  if (v->features & CURL_VERSION_BROTLI) add("br");
  if (v->features & CURL_VERSION_ZSTD) add("zstd");
  return list.empty() ? list : "Accept-Encoding: " + list;
}

// The bytes std::isspace() matches in the "C" locale, without a libc call per byte (header lines are
// trimmed a byte at a time: ~50 calls per answer).
constexpr bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}
}  // namespace

struct CurlClient::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  dest::HttpRequest request;  // owns the body curl reads from (CURLOPT_POSTFIELDS does not copy)
  dest::HttpResponse response;
  size_t max_body = 0;
  Completion done;
  std::chrono::steady_clock::time_point started;

  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
  }

  static size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t len = size * count;
    size_t room = t->max_body - std::min(t->max_body, t->response.body.size());
    t->response.body.append(data, std::min(len, room));
    return len;  // keep reading past the cap: the status still matters
  }

  static size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t len = size * count;
    std::string_view line = trim(std::string_view(data, len));
    if (line.rfind("HTTP/", 0) == 0) {
      t->response.headers.clear();  // a new response (after 100-continue or a redirect) starts over
      return len;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return len;
    std::string name(trim(line.substr(0, colon)));
    for (char& c : name) c = ascii_lower(c);
    std::string_view value = trim(line.substr(colon + 1));
    value = value.substr(0, kMaxHeaderValue);
    auto it = t->response.headers.find(name);
    if (it != t->response.headers.end()) {
      if (it->second.size() + value.size() < kMaxHeaderValue) it->second.append(", ").append(value);
    } else if (t->response.headers.size() < kMaxHeaders) {
      t->response.headers.emplace(std::move(name), std::string(value));
    }
    return len;
  }
};

CurlClient::CurlClient(size_t max_body_bytes)
    : max_body_bytes_(max_body_bytes),
      environment_proxies_(environment_names_a_proxy()),
      accept_encoding_(accept_encoding_header()) {
  global_init();
  multi_ = curl_multi_init();
}

void CurlClient::keep_connections(size_t n) {
  const long kept = static_cast<long>(std::clamp<size_t>(n, 1, kMaxKeptConnections));
  if (multi_) curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, kept);
}

CurlClient::~CurlClient() {
  abort_all();
  for (CURL* e : pool_) curl_easy_cleanup(e);
  if (multi_) curl_multi_cleanup(multi_);
  for (auto& [text, prepared] : urls_) curl_url_cleanup(prepared.url);
}

CURL* CurlClient::acquire() {
  if (!pool_.empty()) {
    CURL* e = pool_.back();
    pool_.pop_back();
    return e;
  }
  CURL* e = curl_easy_init();
  if (!e) return nullptr;
  // The options every transfer shares, set once per handle: a pooled handle keeps them (start() sets
  // every per-request option again), which saves a curl_easy_reset() and these calls per request.
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // curl runs on our thread: no SIGALRM for DNS timeouts
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // whatever this libcurl can decode
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  if (!environment_proxies_) {
    // What curl would find in the environment for every request (five getenv() calls), said once: no
    // proxy. With a proxy variable set, curl keeps reading them as it always did.
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "");
  }
  return e;
}

void CurlClient::release(CURL* easy) {
  if (pool_.size() >= kMaxPooled) {
    curl_easy_cleanup(easy);
    return;
  }
  pool_.push_back(easy);  // connections live in the multi handle's cache, not in the easy handle
}

const CurlClient::PreparedUrl* CurlClient::prepared_url(const std::string& url) {
  if (auto it = urls_.find(url); it != urls_.end()) return &it->second;
  if (urls_.size() >= kMaxPreparedUrls) return nullptr;
  CURLU* u = curl_url();
  if (!u) return nullptr;
  // The flags curl itself parses a CURLOPT_URL string with, so the parts it reads are the same.
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    curl_url_cleanup(u);
    return nullptr;  // curl parses the string and reports the error on the transfer
  }
  PreparedUrl prepared{u, {}};
  // A URL with a query (GA4's carries measurement_id and api_secret): curl 7.88 prints path and query
  // with its byte-at-a-time printf twice per request, once into the request line and once more for
  // authentication it does not do here (~6k instructions each for GA4). Given the very same target as
  // CURLOPT_REQUEST_TARGET and a parsed URL without the query, curl copies the target whole and prints
  // nothing. Not through a proxy: a proxy that does not tunnel gets the whole URL, which curl builds
  // from the parsed one. Only for targets of plain printable ASCII, whose bytes curl sends as they are.
  if (!environment_proxies_) {
    char* path = nullptr;
    char* query = nullptr;
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path) {
      std::string target = std::string(path) + "?" + query;
      const bool plain = std::all_of(target.begin(), target.end(), [](char c) { return c > ' ' && c < 0x7F; });
      if (plain && curl_url_set(u, CURLUPART_QUERY, nullptr, 0) == CURLUE_OK) prepared.target = std::move(target);
    }
    curl_free(path);
    curl_free(query);
  }
  return &urls_.emplace(url, std::move(prepared)).first->second;
}

void CurlClient::start(dest::HttpRequest request, int64_t timeout_ms, Completion done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->max_body = max_body_bytes_;
  t->done = std::move(done);
  t->started = std::chrono::steady_clock::now();
  CURL* e = multi_ ? acquire() : nullptr;
  if (!e) {
    t->response.transport_error = "curl: cannot create a transfer";
    finished_.push_back(std::move(t));
    return;
  }
  t->easy = e;
  const dest::HttpRequest& r = t->request;
  // Every option a previous transfer on this pooled handle may have set is set again here.
  // A URL curl would parse and print back for every request (~20k instructions) is parsed once: curl
  // copies the prepared handle instead. CURLOPT_URL is still set (a copy, no parsing) so that the URL
  // curl keeps for itself, the one it reports and carries into a retry on a fresh connection, is this
  // request's and not a previous one's on this pooled handle.
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  const PreparedUrl* prepared = prepared_url(r.url);
  curl_easy_setopt(e, CURLOPT_CURLU, prepared ? prepared->url : nullptr);
  curl_easy_setopt(e, CURLOPT_REQUEST_TARGET,
                   prepared && !prepared->target.empty() ? prepared->target.c_str() : nullptr);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(timeout_ms, 1)));
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  const bool get = r.method == "GET";
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, get || r.method == "POST" ? nullptr : r.method.c_str());
  if (get) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
  }
  bool has_accept_encoding = false;
  for (const auto& [name, value] : r.headers) {
    // One buffer for every header line (curl copies each): no temporary strings per header.
    line_.assign(name).append(": ").append(value);
    t->headers = curl_slist_append(t->headers, line_.c_str());
    has_accept_encoding = has_accept_encoding || name == "accept-encoding";
  }
  // The header curl would add itself, given as ours: curl then skips printing it twice (aprintf, then
  // into the request head), ~2k instructions a request net. CURLOPT_ACCEPT_ENCODING stays set, so
  // answers are still decoded.
  if (!has_accept_encoding && !accept_encoding_.empty())
    t->headers = curl_slist_append(t->headers, accept_encoding_.c_str());
  t->headers = curl_slist_append(t->headers, "Expect:");  // no 100-continue round trip before the body
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  if (curl_multi_add_handle(multi_, e) != CURLM_OK) {
    t->easy = nullptr;
    release(e);
    t->response.transport_error = "curl: cannot add the transfer";
    finished_.push_back(std::move(t));
    return;
  }
  active_.emplace(e, std::move(t));
}

void CurlClient::collect_finished() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* e = msg->easy_handle;
    CURLcode rc = msg->data.result;  // read before remove_handle invalidates msg
    auto it = active_.find(e);
    if (it == active_.end()) {
      curl_multi_remove_handle(multi_, e);
      continue;
    }
    std::unique_ptr<Transfer> t = std::move(it->second);
    active_.erase(it);
    long connects = 0;
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
    connections_opened_ += static_cast<uint64_t>(connects);
    if (rc == CURLE_OK) {
      long code = 0;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
      t->response.status = static_cast<int>(code);
    } else {
      t->response.status = 0;
      t->response.body.clear();
      t->response.transport_error = curl_easy_strerror(rc);
    }
    curl_multi_remove_handle(multi_, e);
    t->easy = nullptr;
    release(e);
    finished_.push_back(std::move(t));
  }
}

void CurlClient::run_completions() {
  // Completions may start new transfers; they see a consistent client because the list is moved out first.
  std::vector<std::unique_ptr<Transfer>> done;
  done.swap(finished_);
  auto now = std::chrono::steady_clock::now();
  for (auto& t : done) {
    double latency = std::chrono::duration<double>(now - t->started).count();
    t->done(std::move(t->request), std::move(t->response), latency);
  }
}

void CurlClient::run(int timeout_ms) {
  if (!multi_) return;
  int running = 0;
  curl_multi_perform(multi_, &running);
  collect_finished();
  if (finished_.empty()) {
    curl_multi_poll(multi_, nullptr, 0, std::max(timeout_ms, 0), nullptr);
    curl_multi_perform(multi_, &running);
    collect_finished();
  }
  run_completions();
}

void CurlClient::wakeup() {
  if (multi_) curl_multi_wakeup(multi_);
}

void CurlClient::abort_all() {
  for (auto& [easy, t] : active_) {
    curl_multi_remove_handle(multi_, easy);
    curl_easy_cleanup(easy);  // its connection state is unknown: do not pool it
  }
  active_.clear();
  finished_.clear();
}

}  // namespace fanout::delivery
