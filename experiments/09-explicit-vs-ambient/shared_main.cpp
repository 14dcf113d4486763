// The executable of experiment 09's shared-library variants (CMakeLists.txt): everything it
// measures is in `libexp09_workloads_shared.so`.
extern "C" int gentask_exp09_shared_main(int argc, char** argv);

int main(int argc, char** argv) { return gentask_exp09_shared_main(argc, argv); }
