module example.com/goscope/agent

go 1.19
