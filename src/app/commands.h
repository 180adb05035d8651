#pragma once
// The CLI commands (docs/operations.md, "Running"). Each returns the process exit code: 0 ok, 1 failure (one-line reason
// on stderr), 2 usage error.
#include <string>

namespace fanout::app {

// `env_file` ("" = none): KEY=value secrets read before the process environment, again on SIGHUP.
int cmd_serve(const std::string& config_flag, const std::string& env_file = "");
int cmd_check_config(const std::string& config_flag, const std::string& env_file = "");
int cmd_preview(const std::string& config_flag, const std::string& event_file);
int cmd_send(const std::string& url, const std::string& secret_env, const std::string& event_file,
             const std::string& signature_header);
int cmd_demo(bool keep_running);
int cmd_dlq_list(const std::string& config_flag, const std::string& destination, const std::string& event_id);
int cmd_dlq_replay(const std::string& config_flag, const std::string& destination, const std::string& event_id);
int cmd_sandbox(const std::string& listen);

// Prints "fanout: <reason>" on stderr and returns exit code 1.
int failure(const std::string& reason);

// Reads a whole file, or standard input for "-" or "".
bool read_input(const std::string& file, std::string& out);

}  // namespace fanout::app
