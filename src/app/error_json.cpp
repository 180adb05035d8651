#include "app/error_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fanout::app {

std::string error_json(const Error& error, const std::vector<ingest::FieldError>& details) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("error");
  w.String(error.code.c_str());
  w.Key("message");
  w.String(error.message.c_str());
  w.Key("details");
  w.StartArray();
  for (const auto& d : details) {
    w.StartObject();
    w.Key("field");
    w.String(d.field.c_str());
    w.Key("message");
    w.String(d.message.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace fanout::app
