// The virtual board: the board top's Verilog (Verilator) with its UART pins bridged to a TCP
// socket, so a host reaches it at socket://127.0.0.1:PORT exactly as it reaches a real board
// on a serial port. No Python runs per cycle.
//
//   vboard --divisor D [--port N] [--idle-cycles N]
//
// Prints "LISTENING <port>" on stdout once the socket is up. One client at a time; the board
// keeps its state between clients, like a real board on a USB port. Simulated time advances
// while there is work (bytes to send or receive) and for --idle-cycles after it (so the
// board's inactivity timeout can fire); then the loop sleeps on the socket.
// On SIGTERM/SIGINT it prints "CYCLES <n>" on stdout and exits.
#include <chrono>
#include <arpa/inet.h>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "Vvboard_top.h"
#include "verilated.h"

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int) { stop_requested = 1; }

struct Options {
    int divisor = 0;
    int port = 0;
    uint64_t idle_cycles = 0;
};

static Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k == "--divisor") o.divisor = std::atoi(argv[i + 1]);
        else if (k == "--port") o.port = std::atoi(argv[i + 1]);
        else if (k == "--idle-cycles") o.idle_cycles = std::strtoull(argv[i + 1], nullptr, 10);
    }
    if (o.divisor < 2) {
        std::fprintf(stderr, "vboard: --divisor (clock cycles per UART bit, >= 2) is required\n");
        std::exit(2);
    }
    return o;
}

int main(int argc, char** argv) {
    Options opt = parse(argc, argv);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);

    int server = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(opt.port);
    if (bind(server, (sockaddr*)&addr, sizeof addr) != 0 || listen(server, 1) != 0) {
        std::fprintf(stderr, "vboard: cannot listen on 127.0.0.1:%d: %s\n", opt.port, std::strerror(errno));
        return 2;
    }
    socklen_t len = sizeof addr;
    getsockname(server, (sockaddr*)&addr, &len);
    std::printf("LISTENING %d\n", ntohs(addr.sin_port));
    std::fflush(stdout);

    Verilated::commandArgs(argc, argv);
    auto* top = new Vvboard_top;  // reset_wrapper.v: the board top, its reset held by a register
    top->clk = 0;
    top->rx = 1;
    // Each toggle of clk is one cycle: the model's flip-flops take both edges (reset_wrapper.v).
    for (int i = 0; i < 4; i++) { top->clk = !top->clk; top->eval(); }  // the wrapper's four reset cycles

    const int D = opt.divisor;
    int client = -1;
    std::deque<uint8_t> to_board;   // bytes from the host, not yet on the rx pin
    std::string from_board;         // bytes decoded from the tx pin, not yet sent to the host
    // rx driver: shifting out one 10-bit frame, bit_left cycles of the current bit
    int rx_bits = 0, rx_timer = 0;
    uint16_t rx_frame = 0;
    // tx monitor
    int tx_state = 0, tx_timer = 0, tx_bit = 0;
    uint8_t tx_byte = 0;
    uint64_t cycles = 0, quiet = 0;
    uint8_t buf[4096];

    // Wall time spent simulating (busy), for the model's cycles per second; read at transitions only.
    using clock = std::chrono::steady_clock;
    clock::duration busy_time{};
    clock::time_point busy_since{};
    bool was_busy = false;

    while (!stop_requested) {
        bool busy = !to_board.empty() || rx_bits || tx_state || !from_board.empty() || quiet < opt.idle_cycles;
        if (busy != was_busy) {
            if (busy) busy_since = clock::now(); else busy_time += clock::now() - busy_since;
            was_busy = busy;
        }
        // Socket service: every 256 cycles while busy, else block briefly waiting for the host.
        if (!busy || (cycles & 255) == 0) {
            pollfd fds[1];
            int timeout_ms = busy ? 0 : 20;
            fds[0].fd = client >= 0 ? client : server;
            fds[0].events = POLLIN | (client >= 0 && !from_board.empty() ? POLLOUT : 0);
            if (poll(fds, 1, timeout_ms) > 0) {
                if (client < 0) {
                    client = accept(server, nullptr, nullptr);
                    if (client >= 0) {
                        fcntl(client, F_SETFL, O_NONBLOCK);
                        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                        from_board.clear();  // answers for a client that left are lost, as on a real port
                    }
                } else {
                    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n = recv(client, buf, sizeof buf, 0);
                        if (n > 0) { to_board.insert(to_board.end(), buf, buf + n); quiet = 0; }
                        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) { close(client); client = -1; }
                    }
                    if (client >= 0 && (fds[0].revents & POLLOUT) && !from_board.empty()) {
                        ssize_t n = send(client, from_board.data(), from_board.size(), 0);
                        if (n > 0) from_board.erase(0, n);
                    }
                }
            }
            if (!busy) continue;
        }

        // rx pin: start the next byte when the line is free
        if (rx_bits == 0 && !to_board.empty()) {
            rx_frame = (uint16_t)(0x200 | (to_board.front() << 1));  // stop=1, data, start=0
            to_board.pop_front();
            rx_bits = 10;
            rx_timer = D;
        }
        top->rx = rx_bits ? (rx_frame & 1) : 1;

        top->clk = !top->clk; top->eval();  // one cycle
        cycles++;

        if (rx_bits && --rx_timer == 0) {
            rx_frame >>= 1;
            rx_timer = D;
            rx_bits--;
        }
        // tx pin: find the start bit, sample each bit in its middle
        int tx = top->tx;
        switch (tx_state) {
        case 0:
            if (!tx) { tx_state = 1; tx_timer = D / 2; }
            break;
        case 1:
            if (--tx_timer == 0) { tx_state = tx ? 0 : 2; tx_timer = D; tx_bit = 0; tx_byte = 0; }
            break;
        case 2:
            if (--tx_timer == 0) {
                tx_byte |= (uint8_t)(tx << tx_bit);
                tx_timer = D;
                if (++tx_bit == 8) tx_state = 3;
            }
            break;
        case 3:
            if (--tx_timer == 0) {
                if (tx) from_board.push_back((char)tx_byte);  // a low stop bit is a broken byte: dropped
                tx_state = 0;
                quiet = 0;
            }
            break;
        }
        if (to_board.empty() && !rx_bits && !tx_state) quiet++;
    }
    if (was_busy) busy_time += clock::now() - busy_since;
    std::printf("CYCLES %llu\n", (unsigned long long)cycles);
    std::printf("BUSY_SECONDS %.6f\n", std::chrono::duration<double>(busy_time).count());
    std::fflush(stdout);
    top->final();
    delete top;
    return 0;
}
