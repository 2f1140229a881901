// The virtual board's top: the board's gateware (tcphw_board) with its reset held for the first
// four clock cycles by a register here, instead of by the harness.
//
// Why: Verilator re-evaluates all logic that depends on a model input at every eval(), and the
// harness calls eval() twice a cycle. With rst an input, that was the whole design's next-state
// logic (the reset muxes) twice a cycle, 20% of the model's time (perf); with only clk and rx
// left as inputs it is the rx synchroniser. The gateware itself is unchanged.
module vboard_top(input clk, input rx, output tx);
  reg [2:0] reset_cycles_left = 3'd4;
  always @(posedge clk)
    if (reset_cycles_left != 3'd0) reset_cycles_left <= reset_cycles_left - 3'd1;
  tcphw_board board(.clk(clk), .rst(reset_cycles_left != 3'd0), .tx(tx), .rx(rx));
endmodule
