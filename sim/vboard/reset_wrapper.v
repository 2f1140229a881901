// The virtual board's top: the board's gateware (tcphw_board) with its reset held for the first
// four clock cycles by a register here, instead of by the harness.
//
// Why: Verilator re-evaluates all logic that depends on a model input at every eval(). With rst
// an input, that was the whole design's next-state logic (the reset muxes) at every eval, 20% of
// the model's time (perf); with only clk and rx left as inputs it is the rx synchroniser. The
// gateware itself is unchanged.
//
// Every flip-flop here and in the exported gateware takes both edges of clk (virtual_board.py
// rewrites the export's "always @(posedge clk)"): the harness toggles clk once a cycle and calls
// eval() once, where a posedge-only model needs two evals, one of them for the falling edge that
// clocks nothing. One toggle is one cycle of the board's clock.
module vboard_top(input clk, input rx, output tx);
  reg [2:0] reset_cycles_left = 3'd4;
  always @(posedge clk or negedge clk)
    if (reset_cycles_left != 3'd0) reset_cycles_left <= reset_cycles_left - 3'd1;
  tcphw_board board(.clk(clk), .rst(reset_cycles_left != 3'd0), .tx(tx), .rx(rx));
endmodule
