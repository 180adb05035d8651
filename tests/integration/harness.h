#pragma once
// Integration harness: runs the real `fanout` binary (serve and sandbox) as child processes on free
// loopback ports and talks to them over HTTP. Nothing here is faked but the ad platforms (the sandbox).
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "app/http_client.h"

namespace fanout::itest {

// A temporary directory removed at destruction.
struct TempDir {
  TempDir();
  ~TempDir();
  std::string path;
};

// A child process with stdout/stderr captured to files.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, const std::string& log_path);
  ~Process();
  void signal(int sig);
  int wait(std::chrono::milliseconds timeout);  // exit code, or -1 on timeout; -sig when killed
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// Polls `pred` every 50 ms until true or `timeout`.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

// Finds the first JSON log line with "msg":msg in `path` and returns its integer field `key` (or -1).
long log_field(const std::string& path, const std::string& msg, const std::string& key);

// The sandbox as a child process (`fanout sandbox --listen 127.0.0.1:0`).
class SandboxProcess {
 public:
  explicit SandboxProcess(const std::string& dir);
  std::string base_url(const std::string& platform) const;  // http://127.0.0.1:P/<platform>
  std::string url(const std::string& path) const;
  // Per-platform count of received events by id.
  std::map<std::string, int> event_counts(const std::string& platform);
  long requests(const std::string& platform);
  void fault(const std::string& json);  // POST /_sandbox/faults
  void clear_faults();

 private:
  std::string log_;
  Process proc_;
  int port_ = 0;
};

// The gateway as a child process (`fanout serve --config <dir>/fanout.toml`).
class GatewayProcess {
 public:
  // `destinations_toml` is appended to a generated [server]/[ingest]/[spool] header.
  GatewayProcess(const std::string& dir, const std::string& destinations_toml, const std::string& extra_toml = "");
  ~GatewayProcess();
  void start();                 // (re)starts and waits for the port
  void kill9();
  int terminate();              // SIGTERM; returns the exit code
  void signal(int sig);        // any signal (SIGSTOP/SIGCONT: a node paused, then back)
  std::string url(const std::string& path) const;
  std::string log_path() const { return log_; }
  std::string dir() const { return dir_; }
  const std::string& secret() const { return secret_; }
  const std::string& admin_token() const { return admin_; }
  std::map<std::string, std::string> env() const;

  // Signs and posts `body` to /v1/events.
  app::ClientResponse post_event(const std::string& body, const std::string& path = "/v1/events");
  // GET /v1/events/{id} with the admin token; parsed JSON (null document when not 200).
  rapidjson::Document status(const std::string& event_id);
  // State of one destination for one event ("" when unknown).
  std::string state(const std::string& event_id, const std::string& destination);

 private:
  std::string dir_, log_, secret_, admin_;
  std::string config_path_;
  std::unique_ptr<Process> proc_;
  int port_ = 0;
  int restarts_ = 0;
};

// Five destinations pointed at the sandbox, with the given linger and extra per-destination lines.
std::string all_destinations_toml(const SandboxProcess& box, int linger_ms = 50);

// A canonical purchase event with every identifier.
std::string purchase_event(const std::string& id, int64_t event_time_s);

}  // namespace fanout::itest
