// QuickFIX C++ initiator for order-flow interop: logs on, sends N NewOrderSingle (35=D) and
// expects N ExecutionReports (35=8) back, one per ClOrdID. With --reconnect-after K it logs out
// after K reports, logs on again (FileStore: no reset) and checks that the acceptor's sequence
// numbers continue. Prints one JSON summary line; exit 0 when every report arrived.
//
//   oflow_initiator --port 5002 [--host 127.0.0.1] [--count 10000] [--begin FIX.4.4]
//                   [--sender CROSSWIRE] [--target QFACC] [--spec DIR] [--store DIR]
//                   [--reconnect-after K] [--timeout 60] [--reset] [--log DIR]
#include "common.h"

#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/SocketInitiator.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>

namespace {

using Clock = std::chrono::steady_clock;

class OrderApplication : public FIX::Application {
public:
  std::mutex mutex;
  std::condition_variable changed;
  bool loggedOn = false;
  int logons = 0;
  std::vector<int> logonSeqNums;  // MsgSeqNum(34) of each Logon the acceptor sent us
  std::set<std::string> filled;
  long unexpected = 0;

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { update([&] { loggedOn = true; ++logons; }); }
  void onLogout(const FIX::SessionID&) override { update([&] { loggedOn = false; }); }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message& m, const FIX::SessionID&)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
    if (m.getHeader().getField(FIX::FIELD::MsgType) == "A") {
      int seq = std::stoi(m.getHeader().getField(FIX::FIELD::MsgSeqNum));
      update([&] { logonSeqNums.push_back(seq); });
    }
  }
  void fromApp(const FIX::Message& m, const FIX::SessionID&)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
            FIX::UnsupportedMessageType) override {
    if (m.getHeader().getField(FIX::FIELD::MsgType) != "8") throw FIX::UnsupportedMessageType();
    std::string id = m.getField(FIX::FIELD::ClOrdID);
    update([&] { if (!filled.insert(id).second) ++unexpected; });
  }

  template <class Pred> bool waitFor(Pred pred, Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_until(lock, deadline, pred);
  }

private:
  template <class F> void update(F f) {
    { std::lock_guard<std::mutex> lock(mutex); f(); }
    changed.notify_all();
  }
};

FIX::Message newOrder(long i) {
  FIX::Message order;
  order.getHeader().setField(FIX::FIELD::MsgType, "D");
  order.setField(FIX::FIELD::ClOrdID, "C" + std::to_string(i));
  order.setField(FIX::FIELD::HandlInst, "1");
  order.setField(FIX::FIELD::Symbol, "XWIRE");
  order.setField(FIX::FIELD::Side, "1");
  order.setField(FIX::FIELD::TransactTime, FIX::UtcTimeStampConvertor::convert(FIX::UtcTimeStamp(), 3));
  order.setField(FIX::FIELD::OrderQty, "100");
  order.setField(FIX::FIELD::OrdType, "2");
  order.setField(FIX::FIELD::Price, std::to_string(10 + (i % 100)) + ".25");
  return order;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    interop::Args args(argc, argv);
    const long count = args.getInt("count", 10000);
    const long reconnectAfter = args.getInt("reconnect-after", 0);
    const auto timeout = std::chrono::seconds(args.getInt("timeout", 60));
    std::string begin = args.get("begin", "FIX.4.4");
    std::string dir = interop::makeTempDir("oflow-initiator");
    std::string storeDir = args.get("store", dir + "/store");
    std::string logDir = args.get("log", dir + "/log");

    std::ostringstream cfg;
    cfg << "[DEFAULT]\nConnectionType=initiator\nReconnectInterval=1\nHeartBtInt=30\n"
        << "SocketNodelay=Y\nNonStopSession=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
        << "ResetOnLogon=" << (args.has("reset") ? "Y" : "N") << "\n"
        << "FileStorePath=" << storeDir << "\nFileLogPath=" << logDir << "\n"
        << "\n[SESSION]\nBeginString=" << begin << "\n"
        << "SenderCompID=" << args.get("sender", "CROSSWIRE") << "\n"
        << "TargetCompID=" << args.get("target", "QFACC") << "\n"
        << "SocketConnectHost=" << args.get("host", "127.0.0.1") << "\n"
        << "SocketConnectPort=" << args.require("port") << "\n";
    if (args.has("spec")) {
      cfg << "UseDataDictionary=Y\n"
          << interop::dictionarySettings(args.get("spec"), begin, args.get("appl-ver", "FIX.5.0SP2"));
    } else {
      cfg << "UseDataDictionary=N\n";
      if (begin == "FIXT.1.1") cfg << "DefaultApplVerID=" << args.get("appl-ver", "FIX.5.0SP2") << "\n";
    }
    FIX::SessionSettings settings = interop::writeSettings(dir, cfg.str());
    const FIX::SessionID sessionId = *settings.getSessions().begin();

    interop::installSignalHandlers();
    OrderApplication app;
    FIX::FileStoreFactory store(storeDir);
    FIX::FileLogFactory log(logDir);
    FIX::SocketInitiator initiator(app, store, settings, log);
    const auto started = Clock::now();
    const auto deadline = started + timeout;
    initiator.start();

    std::string error;
    long sent = 0;
    auto sendUpTo = [&](long target) {
      if (!app.waitFor([&] { return app.loggedOn; }, deadline)) { error = "logon timed out"; return false; }
      for (; sent < target; ++sent) {
        FIX::Message order = newOrder(sent);
        if (!FIX::Session::sendToTarget(order, sessionId)) { error = "send failed"; return false; }
      }
      if (!app.waitFor([&] { return (long)app.filled.size() >= target; }, deadline)) {
        error = "timed out waiting for execution reports";
        return false;
      }
      return true;
    };

    bool ok = true;
    if (reconnectAfter > 0 && reconnectAfter < count) {
      ok = sendUpTo(reconnectAfter);
      if (ok) {
        FIX::Session* session = FIX::Session::lookupSession(sessionId);
        session->logout("interop reconnect");
        ok = app.waitFor([&] { return !app.loggedOn; }, deadline);
        if (!ok) error = "logout timed out";
        else session->logon();
      }
    }
    if (ok) ok = sendUpTo(count);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    initiator.stop();

    std::lock_guard<std::mutex> lock(app.mutex);
    bool continuous = true;
    for (size_t i = 1; i < app.logonSeqNums.size(); ++i)
      if (app.logonSeqNums[i] <= app.logonSeqNums[i - 1]) continuous = false;
    if (ok && !continuous && !args.has("reset")) { ok = false; error = "sequence numbers restarted after reconnect"; }
    if (ok && app.unexpected > 0) { ok = false; error = "duplicate execution reports"; }

    std::cout << "{\"ok\":" << (ok ? "true" : "false") << ",\"sent\":" << sent
              << ",\"received\":" << app.filled.size() << ",\"duplicates\":" << app.unexpected
              << ",\"logons\":" << app.logons << ",\"logonSeqNums\":[";
    for (size_t i = 0; i < app.logonSeqNums.size(); ++i) std::cout << (i ? "," : "") << app.logonSeqNums[i];
    std::cout << "],\"seconds\":" << seconds << ",\"error\":\"" << error << "\"}" << std::endl;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "oflow_initiator: " << e.what() << std::endl;
    return 2;
  }
}
