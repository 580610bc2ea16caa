# chart.png: median select-only TPS by client count, one line per target.
# gnuplot -e "data='chart.dat'; out='chart.png'" chart.gp
set terminal pngcairo size 900,540 font ",11"
set output out
set title "pgbench -S (select-only), median TPS by client count"
set xlabel "clients (pgbench -c, -j 2)"
set ylabel "TPS"
set logscale x 2
set xrange [0.75:340]
set xtics (1, 4, 16, 64, 256)
set yrange [0:*]
set grid
set key outside right top
set datafile missing "?"
plot for [col=2:*] data using 1:col with linespoints lw 2 pt 7 title columnheader(col)
