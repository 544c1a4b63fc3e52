using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace DistrAttention.Runtime;

/// <summary>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> for a single symbol,
/// <c>std::ios_base_library_init</c>, a link-time marker that is never called or relocated. Hosts with an
/// older libstdc++ (Debian 12 ships 3.4.30) refuse to load it. On such hosts only, this makes a copy of the
/// library whose requirement on that version is marked weak, in a per-user cache, and leaves the system alone.
/// </summary>
internal static class LibStdCxxCompat
{
    internal const string MarkerSymbol = "_ZSt21ios_base_library_initv";
    internal const string RequiredVersion = "GLIBCXX_3.4.32";

    /// <summary>True when the libstdc++ of this process defines <see cref="RequiredVersion"/>.</summary>
    public static bool HostHasRequiredVersion()
    {
        IntPtr handle = NativeMethods.dlopen("libstdc++.so.6", NativeMethods.RtldNow | NativeMethods.RtldNoload);
        if (handle == IntPtr.Zero)
            handle = NativeMethods.dlopen("libstdc++.so.6", NativeMethods.RtldNow);
        if (handle == IntPtr.Zero)
            return false;
        return NativeMethods.dlvsym(handle, MarkerSymbol, RequiredVersion) != IntPtr.Zero;
    }

    /// <summary>
    /// Returns the path of a copy of <paramref name="original"/> that loads on this host: the original itself when
    /// it needs no change, otherwise a patched copy in <paramref name="cacheRoot"/> (written atomically).
    /// </summary>
    public static string PrepareLoadable(string original, string cacheRoot)
    {
        byte[] image = File.ReadAllBytes(original);
        bool strict = ElfVersionNeeds.Read(image).Any(r => r.Version == RequiredVersion && !r.Weak);
        if (!strict)
            return original;

        string hash = Convert.ToHexString(SHA256.HashData(image))[..16].ToLowerInvariant();
        string directory = Path.Combine(cacheRoot, "libstdcxx-compat", hash);
        string target = Path.Combine(directory, Path.GetFileName(original));
        if (File.Exists(target))
            return target;

        ElfVersionNeeds.MarkWeak(image, RequiredVersion);
        Directory.CreateDirectory(directory);
        string temporary = target + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(temporary, image);
        File.Move(temporary, target, overwrite: true);
        return target;
    }

    private static class NativeMethods
    {
        public const int RtldNow = 0x2;
        public const int RtldNoload = 0x4;

        [DllImport("libc.so.6", CharSet = CharSet.Ansi)]
        public static extern IntPtr dlopen(string file, int mode);

        [DllImport("libc.so.6", CharSet = CharSet.Ansi)]
        public static extern IntPtr dlvsym(IntPtr handle, string symbol, string version);
    }
}
