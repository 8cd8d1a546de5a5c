#include "http/response.h"

namespace http {
namespace {

std::string FieldText(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

void AddField(std::string& out, std::string_view name, std::string_view value) {
  out += FieldText(name);
  out += ": ";
  out += FieldText(value);
  out += "\r\n";
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

Response TextError(int status, std::string_view detail) {
  Response r;
  r.status = status;
  r.body = std::to_string(status) + " " + std::string(ReasonPhrase(status)) + "\n";
  if (!detail.empty()) r.body += std::string(detail) + "\n";
  return r;
}

std::string Serialize(const Response& response, bool head_only) {
  int status = response.status >= 100 && response.status <= 599 ? response.status : 500;
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out += ReasonPhrase(status);
  out += "\r\n";
  AddField(out, "Content-Type", response.content_type);
  if (!response.stream) AddField(out, "Content-Length", std::to_string(response.body.size()));
  AddField(out, "Cache-Control", "no-store");
  AddField(out, "Connection", "close");
  for (const auto& [name, value] : response.headers) AddField(out, name, value);
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

}  // namespace http
