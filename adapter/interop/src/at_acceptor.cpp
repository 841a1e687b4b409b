// QuickFIX C++ acceptor in the acceptance profile of ../shared/fix-acceptance/README.md:
// SenderCompID ISLD, ResetOnLogon, always in session, SendingTime accuracy 120 s, validation
// against the spec dictionaries, and an echo application. Used to validate the acceptance runner.
//
//   at_acceptor --port 5001 --spec /path/to/fix-acceptance/spec [--log DIR]
//
// Prints "READY <port>" on stdout once listening; stops cleanly on SIGTERM/SIGINT.
#include "common.h"

#include <quickfix/FileLog.h>
#include <quickfix/MessageStore.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/Values.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <sstream>

namespace {

struct SessionDef { std::string beginString, target, applVerId; };

// One session per version folder; the counterparty ids are the scripts' SenderCompIDs.
const SessionDef kSessions[] = {
  {"FIX.4.0", "TW40", ""}, {"FIX.4.1", "TW41", ""}, {"FIX.4.2", "TW42", ""},
  {"FIX.4.3", "TW43", ""}, {"FIX.4.4", "TW44", ""},
  {"FIXT.1.1", "TW50", "FIX.5.0"}, {"FIXT.1.1", "TW50SP1", "FIX.5.0SP1"},
  {"FIXT.1.1", "TW50SP2", "FIX.5.0SP2"},
};

// Echo application: 35=D is sent back on the same session with a new header; a PossResend(97=Y)
// order whose ClOrdID was already seen in this session is dropped; the seen set clears on logout.
// 35=d is echoed the same way. Every other application message is unsupported (BusinessReject).
class EchoApplication : public FIX::Application {
public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID& id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.erase(id.toString());
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID& id)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
            FIX::UnsupportedMessageType) override {
    FIX::MsgType msgType;
    message.getHeader().getField(msgType);
    if (msgType.getValue() == "D") {
      FIX::ClOrdID clOrdId;
      message.getField(clOrdId);
      bool possResend = message.getHeader().isSetField(FIX::FIELD::PossResend) &&
                        message.getHeader().getField(FIX::FIELD::PossResend) == "Y";
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto& seen = seen_[id.toString()];
        if (possResend && seen.count(clOrdId.getValue())) return;
        seen.insert(clOrdId.getValue());
      }
      echo(message, id);
    } else if (msgType.getValue() == "d") {
      echo(message, id);
    } else {
      throw FIX::UnsupportedMessageType();
    }
  }

private:
  static void echo(const FIX::Message& message, const FIX::SessionID& id) {
    FIX::Message copy = message;
    FIX::Session::sendToTarget(copy, id);
  }
  std::mutex mutex_;
  std::map<std::string, std::set<std::string>> seen_;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    interop::Args args(argc, argv);
    int port = std::stoi(args.require("port"));
    std::string spec = args.require("spec");
    std::string dir = interop::makeTempDir("at-acceptor");
    std::string logDir = args.get("log", dir + "/log");

    std::ostringstream cfg;
    cfg << "[DEFAULT]\n"
        << "ConnectionType=acceptor\n"
        << "SocketAcceptPort=" << port << "\n"
        << "SocketReuseAddress=Y\n"
        << "SenderCompID=ISLD\n"
        << "NonStopSession=Y\n"
        << "StartTime=00:00:00\nEndTime=00:00:00\n"
        << "ResetOnLogon=Y\n"
        << "UseDataDictionary=Y\n"
        << "CheckLatency=Y\nMaxLatency=120\n"
        << "FileLogPath=" << logDir << "\n";
    for (const auto& s : kSessions) {
      cfg << "\n[SESSION]\nBeginString=" << s.beginString << "\nTargetCompID=" << s.target << "\n"
          << interop::dictionarySettings(spec, s.beginString, s.applVerId);
    }
    FIX::SessionSettings settings = interop::writeSettings(dir, cfg.str());

    interop::installSignalHandlers();
    EchoApplication app;
    FIX::MemoryStoreFactory store;
    FIX::FileLogFactory log(logDir);
    FIX::SocketAcceptor acceptor(app, store, settings, log);
    acceptor.start();
    std::cout << "READY " << port << std::endl;
    interop::waitForStop();
    acceptor.stop();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "at_acceptor: " << e.what() << std::endl;
    return 2;
  }
}
