namespace DistrAttention.Tests.Distributed;

/// <summary>C source of a stand-in for libnccl.so.2 (NCCL's C ABI, one rank, host memory) that <see cref="NcclLibraryTests"/> compiles.</summary>
internal static class FakeNcclSource
{
    public const string Text = """
        /* A stand-in for libnccl.so.2 with NCCL's C ABI (nccl.h), for CPU tests of the binding: one rank, host memory.
           It checks what it receives (the 128-byte id by value, argument order) and records the last collective call. */
        #include <stdlib.h>
        #include <string.h>
        #include <stddef.h>
        #ifdef __cplusplus
        extern "C" {
        #endif
        typedef struct { char internal[128]; } ncclUniqueId;
        typedef struct { int nranks; int rank; } fakeComm;
        static long long last[8];
        static int groups;

        int ncclGetVersion(int* version) { *version = 22705; return 0; }
        int ncclGetUniqueId(ncclUniqueId* id) { for (int i = 0; i < 128; i++) id->internal[i] = (char)(i * 3 + 1); return 0; }
        int ncclCommInitRank(fakeComm** comm, int nranks, ncclUniqueId id, int rank) {
          for (int i = 0; i < 128; i++) if (id.internal[i] != (char)(i * 3 + 1)) return 4; /* ncclInvalidArgument */
          if (nranks != 1 || rank != 0) return 5; /* ncclInvalidUsage: this stand-in has one rank */
          *comm = (fakeComm*)malloc(sizeof(fakeComm)); (*comm)->nranks = nranks; (*comm)->rank = rank; return 0;
        }
        int ncclAllReduce(const void* send, void* recv, size_t count, int type, int op, fakeComm* comm, void* stream) {
          if (comm == NULL) return 4;
          if (type != 7) return 4; /* float32 only */
          if (send != recv) memcpy(recv, send, count * 4);
          last[0] = 1; last[1] = (long long)count; last[2] = type; last[3] = op; last[4] = (long long)(size_t)stream; last[5] = groups;
          return 0;
        }
        int ncclBroadcast(const void* send, void* recv, size_t count, int type, int root, fakeComm* comm, void* stream) {
          if (comm == NULL || root != 0) return 4;
          if (send != recv) memcpy(recv, send, count * (type == 8 || type == 4 ? 8 : 4));
          last[0] = 2; last[1] = (long long)count; last[2] = type; last[3] = root; last[4] = (long long)(size_t)stream; last[5] = groups;
          return 0;
        }
        int ncclCommDestroy(fakeComm* comm) { free(comm); return 0; }
        int ncclGroupStart(void) { groups++; return 0; }
        int ncclGroupEnd(void) { groups--; return 0; }
        const char* ncclGetErrorString(int result) { return result == 5 ? "invalid usage" : "invalid argument"; }
        const char* ncclGetLastError(void* comm) { (void)comm; return "the stand-in has one rank"; }
        /* Test hooks. */
        void fake_last_call(long long* out) { memcpy(out, last, sizeof(last)); }
        #ifdef __cplusplus
        }
        #endif
        """;
}
