// Shared helpers for the QuickFIX C++ reference peers: argument parsing, a generated
// settings file in a temp dir, signal-driven shutdown. Built against Debian's libquickfix-dev.
#pragma once

#include <quickfix/Application.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

namespace interop {

inline std::atomic<bool>& stopRequested() {
  static std::atomic<bool> flag(false);
  return flag;
}

inline void installSignalHandlers() {
  auto handler = [](int) { stopRequested().store(true); };
  std::signal(SIGINT, handler);
  std::signal(SIGTERM, handler);
  std::signal(SIGPIPE, SIG_IGN);
}

// --name value pairs; a bare --flag maps to "Y".
class Args {
public:
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string key = argv[i];
      if (key.rfind("--", 0) != 0) throw std::runtime_error("unexpected argument: " + key);
      key = key.substr(2);
      if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) values_[key] = argv[++i];
      else values_[key] = "Y";
    }
  }
  bool has(const std::string& k) const { return values_.count(k) > 0; }
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = values_.find(k);
    return it == values_.end() ? def : it->second;
  }
  std::string require(const std::string& k) const {
    if (!has(k)) throw std::runtime_error("missing --" + k);
    return get(k);
  }
  int getInt(const std::string& k, int def) const { return has(k) ? std::stoi(get(k)) : def; }

private:
  std::map<std::string, std::string> values_;
};

inline std::string makeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::string buf = tmpl;
  if (!mkdtemp(&buf[0])) throw std::runtime_error("mkdtemp failed for " + tmpl);
  return buf;
}

// Writes the settings text to <dir>/session.cfg and loads it.
inline FIX::SessionSettings writeSettings(const std::string& dir, const std::string& text) {
  std::string path = dir + "/session.cfg";
  std::ofstream out(path);
  out << text;
  out.close();
  return FIX::SessionSettings(path);
}

// Dictionary keys for a BeginString: FIX.4.x uses DataDictionary, FIXT.1.1 splits transport/app.
inline std::string dictionarySettings(const std::string& specDir, const std::string& beginString,
                                      const std::string& applVerId) {
  if (beginString == "FIXT.1.1") {
    std::string app = applVerId == "FIX.5.0SP2" ? "FIX50SP2.xml"
                    : applVerId == "FIX.5.0SP1" ? "FIX50SP1.xml" : "FIX50.xml";
    return "TransportDataDictionary=" + specDir + "/FIXT11.xml\n" +
           "AppDataDictionary=" + specDir + "/" + app + "\n" +
           "DefaultApplVerID=" + applVerId + "\n";
  }
  std::string file = beginString;  // FIX.4.2 -> FIX42.xml
  file.erase(std::remove(file.begin(), file.end(), '.'), file.end());
  return "DataDictionary=" + specDir + "/" + file + ".xml\n";
}

inline void waitForStop() {
  while (!stopRequested().load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace interop
