#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/clock.h"
#include "core/sha256.h"

namespace fanout::itest {

TempDir::TempDir() {
  char tmpl[] = "/tmp/fanout-itest-XXXXXX";
  path = mkdtemp(tmpl);
}

TempDir::~TempDir() {
  if (!std::getenv("FANOUT_KEEP_TEST_DIRS")) std::filesystem::remove_all(path);
}

Process::Process(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                 const std::string& log_path) {
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
}

Process::~Process() {
  if (running()) {
    signal(SIGKILL);
    wait(std::chrono::milliseconds(5000));
  }
}

void Process::signal(int sig) {
  if (pid_ > 0 && !reaped_) kill(pid_, sig);
}

bool Process::running() {
  if (pid_ <= 0 || reaped_) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = st;
    return false;
  }
  return true;
}

int Process::wait(std::chrono::milliseconds timeout) {
  if (!wait_until([&] { return !running(); }, timeout)) return -1;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return -WTERMSIG(status_);
  return -1;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

long log_field(const std::string& path, const std::string& msg, const std::string& key) {
  std::istringstream lines(read_file(path));
  std::string line;
  long found = -1;
  while (std::getline(lines, line)) {
    if (line.find("\"msg\":\"" + msg + "\"") == std::string::npos) continue;
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (!d.HasParseError() && d.IsObject() && d.HasMember(key.c_str()) && d[key.c_str()].IsInt64())
      found = static_cast<long>(d[key.c_str()].GetInt64());  // the last one wins (restarts)
  }
  return found;
}

namespace {
std::string binary() { return FANOUT_BINARY; }

rapidjson::Document get_json(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  rapidjson::Document d;
  auto r = app::http_call("GET", url, headers, "");
  if (r && r->status == 200) d.Parse(r->body.c_str());
  if (d.HasParseError()) d.SetNull();
  return d;
}
}  // namespace

SandboxProcess::SandboxProcess(const std::string& dir)
    : log_(dir + "/sandbox.log"), proc_({binary(), "sandbox", "--listen", "127.0.0.1:0"}, {}, log_) {
  bool up = wait_until(
      [&] {
        std::string text = read_file(log_);
        auto pos = text.find("\"port\":");
        if (pos == std::string::npos) return false;
        port_ = std::atoi(text.c_str() + pos + 7);
        return port_ > 0;
      },
      std::chrono::seconds(10));
  if (!up) throw std::runtime_error("sandbox did not start: " + read_file(log_));
}

std::string SandboxProcess::url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

std::string SandboxProcess::base_url(const std::string& platform) const { return url("/" + platform); }

std::map<std::string, int> SandboxProcess::event_counts(const std::string& platform) {
  std::map<std::string, int> out;
  rapidjson::Document d = get_json(url("/_sandbox/events?platform=" + platform));
  if (!d.IsObject() || !d.HasMember("event_ids")) return out;
  for (auto& m : d["event_ids"].GetObject()) out[m.name.GetString()] = m.value.GetInt();
  return out;
}

long SandboxProcess::requests(const std::string& platform) {
  rapidjson::Document d = get_json(url("/_sandbox/stats"));
  if (!d.IsObject() || !d.HasMember(platform.c_str())) return -1;
  return static_cast<long>(d[platform.c_str()]["requests"].GetInt64());
}

void SandboxProcess::fault(const std::string& json) {
  auto r = app::http_call("POST", url("/_sandbox/faults"), {{"Content-Type", "application/json"}}, json);
  if (!r || r->status >= 300) throw std::runtime_error("sandbox fault refused: " + json);
}

void SandboxProcess::clear_faults() { app::http_call("DELETE", url("/_sandbox/faults"), {}, ""); }

std::string all_destinations_toml(const SandboxProcess& box, int linger_ms) {
  std::string l = "linger_ms = " + std::to_string(linger_ms) + "\nretry_base_ms = 200\nretry_max_ms = 2000\n";
  return "[destinations.meta]\npixel_id = \"1234567890123456\"\naccess_token_env = \"T_META\"\nbase_url = \"" +
         box.base_url("meta") + "\"\n" + l +
         "\n[destinations.ga4]\nmeasurement_id = \"G-TEST12345\"\napi_secret_env = \"T_GA4\"\nbase_url = \"" +
         box.base_url("ga4") + "\"\n" + l +
         "\n[destinations.google_ads]\nmode = \"data_manager\"\ncustomer_id = \"1234567890\"\n"
         "refresh_token_env = \"T_G_REFRESH\"\nclient_id_env = \"T_G_ID\"\nclient_secret_env = \"T_G_SECRET\"\n"
         "oauth_url = \"" + box.base_url("google_ads") + "/token\"\nbase_url = \"" + box.base_url("google_ads") + "\"\n" + l +
         "\n[destinations.microsoft_ads]\nmode = \"capi\"\ntag_id = \"12345678\"\ncapi_token_env = \"T_MS\"\nbase_url = \"" +
         box.base_url("microsoft_ads") + "\"\n" + l +
         "\n[destinations.tiktok]\npixel_code = \"CTEST00000000000000A\"\naccess_token_env = \"T_TIKTOK\"\nbase_url = \"" +
         box.base_url("tiktok") + "\"\n" + l +
         "\n[events.purchase]\ngoogle_ads = \"customers/1234567890/conversionActions/111\"\n"
         "\n[events.lead]\ngoogle_ads = \"customers/1234567890/conversionActions/222\"\n";
}

std::string purchase_event(const std::string& id, int64_t t) {
  return R"({"event_id":")" + id + R"(","event_name":"purchase","event_time":)" + std::to_string(t) +
         R"(,"event_source_url":"https://shop.example.com/done","user":{"email":"Jane.Doe+test@Example.com",)"
         R"("phone":"+1 (650) 555-1212","first_name":"Jane","last_name":"Doe","ip":"203.0.113.7","user_agent":"Mozilla/5.0"},)"
         R"("ids":{"fbclid":"IwAR2x","gclid":"Cj0KCQtest","msclkid":"4a5b6c7d-1234-4abc-9def-0123456789ab",)"
         R"("ttclid":"E.C.P.x","ga_client_id":"GA1.1.1197596843.1673515099"},"value":10.5,"currency":"USD"})";
}

GatewayProcess::GatewayProcess(const std::string& dir, const std::string& destinations_toml, const std::string& extra_toml)
    : dir_(dir), log_(dir + "/fanout.log"), secret_("itest-secret-1234"), admin_("itest-admin-token") {
  config_path_ = dir + "/fanout.toml";
  write_file(config_path_, "[server]\nlisten = \"127.0.0.1:0\"\nadmin_token_env = \"T_ADMIN\"\n\n[ingest]\nsecret_env = "
                           "\"T_SECRET\"\n\n[spool]\npath = \"" + dir + "/data/spool.db\"\n\n" + extra_toml + "\n" +
                               destinations_toml);
}

GatewayProcess::~GatewayProcess() = default;

std::map<std::string, std::string> GatewayProcess::env() const {
  return {{"T_SECRET", secret_},       {"T_ADMIN", admin_},           {"T_META", "meta-token-SECRET1"},
          {"T_GA4", "ga4-SECRET2"},    {"T_G_REFRESH", "g-refresh-SECRET3"}, {"T_G_ID", "g-client-id"},
          {"T_G_SECRET", "g-client-SECRET4"}, {"T_MS", "ms-token-SECRET5"}, {"T_TIKTOK", "tiktok-SECRET6"}};
}

void GatewayProcess::start() {
  size_t before = read_file(log_).size();
  proc_ = std::make_unique<Process>(std::vector<std::string>{binary(), "serve", "--config", config_path_}, env(), log_);
  bool exited = false;
  bool up = wait_until(
      [&] {
        std::string text = read_file(log_);
        auto pos = text.find("\"msg\":\"listening\"", before);
        if (pos == std::string::npos) {
          exited = !proc_->running();  // a start that failed says why at once, not after the timeout
          return exited;
        }
        auto p = text.find("\"port\":", pos);
        port_ = std::atoi(text.c_str() + p + 7);
        return port_ > 0;
      },
      std::chrono::seconds(15));
  if (!up || exited)
    throw std::runtime_error(std::string(exited ? "fanout exited at start: " : "fanout did not start in 15 s: ") +
                             read_file(log_).substr(before));
}

void GatewayProcess::kill9() {
  proc_->signal(SIGKILL);
  proc_->wait(std::chrono::seconds(5));
}

void GatewayProcess::signal(int sig) { proc_->signal(sig); }

int GatewayProcess::terminate() {
  proc_->signal(SIGTERM);
  return proc_->wait(std::chrono::seconds(20));
}

std::string GatewayProcess::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

app::ClientResponse GatewayProcess::post_event(const std::string& body, const std::string& path) {
  auto r = app::http_call("POST", url(path),
                          {{"Content-Type", "application/json"}, {"X-CRM-Signature", hmac_sha256_hex(secret_, body)}},
                          body);
  return r ? *r : app::ClientResponse{0, r.error().message};
}

rapidjson::Document GatewayProcess::status(const std::string& event_id) {
  return get_json(url("/v1/events/" + event_id), {{"Authorization", "Bearer " + admin_}});
}

std::string GatewayProcess::state(const std::string& event_id, const std::string& destination) {
  rapidjson::Document d = status(event_id);
  if (!d.IsObject() || !d.HasMember("destinations")) return "";
  const auto& ds = d["destinations"];
  if (!ds.HasMember(destination.c_str())) return "";
  return ds[destination.c_str()]["state"].GetString();
}

}  // namespace fanout::itest
