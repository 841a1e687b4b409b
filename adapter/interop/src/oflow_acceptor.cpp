// QuickFIX C++ acceptor for order-flow interop: answers every NewOrderSingle (35=D) with an
// ExecutionReport (35=8) that fills it. FileStore, so sequence numbers survive reconnects.
//
//   oflow_acceptor --port 5002 [--begin FIX.4.4] [--sender QFACC] [--target CROSSWIRE]
//                  [--spec DIR] [--store DIR] [--reset] [--log DIR]
//
// Prints "READY <port>" once listening and "LOGON"/"LOGOUT" lines as sessions change;
// stops cleanly on SIGTERM/SIGINT and prints "ORDERS <n>".
#include "common.h"

#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/SocketAcceptor.h>

#include <sstream>

namespace {

class FillApplication : public FIX::Application {
public:
  std::atomic<long> orders{0};

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override { std::cout << "LOGON " << id.toString() << std::endl; }
  void onLogout(const FIX::SessionID& id) override { std::cout << "LOGOUT " << id.toString() << std::endl; }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {}
  void fromApp(const FIX::Message& order, const FIX::SessionID& id)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
            FIX::UnsupportedMessageType) override {
    if (order.getHeader().getField(FIX::FIELD::MsgType) != "D") throw FIX::UnsupportedMessageType();
    long n = ++orders;
    const std::string clOrdId = order.getField(FIX::FIELD::ClOrdID);
    const std::string qty = order.isSetField(FIX::FIELD::OrderQty) ? order.getField(FIX::FIELD::OrderQty) : "0";
    const std::string px = order.isSetField(FIX::FIELD::Price) ? order.getField(FIX::FIELD::Price) : "0";
    const bool fix42OrOlder = id.getBeginString().getValue() < "FIX.4.3";

    FIX::Message report;
    report.getHeader().setField(FIX::FIELD::MsgType, "8");
    report.setField(FIX::FIELD::OrderID, "O" + std::to_string(n));
    report.setField(FIX::FIELD::ExecID, "E" + std::to_string(n));
    if (fix42OrOlder) report.setField(FIX::FIELD::ExecTransType, "0");
    report.setField(FIX::FIELD::ExecType, fix42OrOlder ? "2" : "F");
    report.setField(FIX::FIELD::OrdStatus, "2");
    report.setField(FIX::FIELD::ClOrdID, clOrdId);
    report.setField(FIX::FIELD::Symbol, order.isSetField(FIX::FIELD::Symbol) ? order.getField(FIX::FIELD::Symbol) : "N/A");
    report.setField(FIX::FIELD::Side, order.isSetField(FIX::FIELD::Side) ? order.getField(FIX::FIELD::Side) : "1");
    report.setField(FIX::FIELD::OrderQty, qty);
    report.setField(FIX::FIELD::LastShares, qty);  // LastQty(32) from FIX.4.3 on, same tag
    report.setField(FIX::FIELD::LastPx, px);
    report.setField(FIX::FIELD::LeavesQty, "0");
    report.setField(FIX::FIELD::CumQty, qty);
    report.setField(FIX::FIELD::AvgPx, px);
    FIX::Session::sendToTarget(report, id);
  }
};

}  // namespace

int main(int argc, char** argv) {
  try {
    interop::Args args(argc, argv);
    int port = std::stoi(args.require("port"));
    std::string begin = args.get("begin", "FIX.4.4");
    std::string dir = interop::makeTempDir("oflow-acceptor");
    std::string storeDir = args.get("store", dir + "/store");
    std::string logDir = args.get("log", dir + "/log");

    std::ostringstream cfg;
    cfg << "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=" << port << "\n"
        << "SocketReuseAddress=Y\nSocketNodelay=Y\nNonStopSession=Y\n"
        << "StartTime=00:00:00\nEndTime=00:00:00\n"
        << "ResetOnLogon=" << (args.has("reset") ? "Y" : "N") << "\n"
        << "FileStorePath=" << storeDir << "\nFileLogPath=" << logDir << "\n"
        << "\n[SESSION]\nBeginString=" << begin << "\n"
        << "SenderCompID=" << args.get("sender", "QFACC") << "\n"
        << "TargetCompID=" << args.get("target", "CROSSWIRE") << "\n";
    if (args.has("spec")) {
      cfg << "UseDataDictionary=Y\n"
          << interop::dictionarySettings(args.get("spec"), begin, args.get("appl-ver", "FIX.5.0SP2"));
    } else {
      cfg << "UseDataDictionary=N\n";
      if (begin == "FIXT.1.1") cfg << "DefaultApplVerID=" << args.get("appl-ver", "FIX.5.0SP2") << "\n";
    }
    FIX::SessionSettings settings = interop::writeSettings(dir, cfg.str());

    interop::installSignalHandlers();
    FillApplication app;
    FIX::FileStoreFactory store(storeDir);
    FIX::FileLogFactory log(logDir);
    FIX::SocketAcceptor acceptor(app, store, settings, log);
    acceptor.start();
    std::cout << "READY " << port << std::endl;
    interop::waitForStop();
    acceptor.stop();
    std::cout << "ORDERS " << app.orders.load() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "oflow_acceptor: " << e.what() << std::endl;
    return 2;
  }
}
