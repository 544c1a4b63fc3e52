using System.Buffers.Binary;
using System.Text;

namespace DistrAttention.Runtime;

/// <summary>
/// Reads and edits the version requirements (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF shared library.
/// Used to mark a version requirement weak, so the dynamic loader accepts a library whose only use of
/// a newer version is a link-time marker symbol that is never relocated or called.
/// </summary>
internal static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>One version a library requires from another (an <c>Elf64_Vernaux</c> entry).</summary>
    internal readonly record struct Requirement(string File, string Version, bool Weak, int FlagsOffset);

    /// <summary>Lists the version requirements of an ELF image.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a 64-bit little-endian ELF image.</exception>
    public static IReadOnlyList<Requirement> Read(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

        long sectionTable = ReadI64(elf, 0x28);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        var result = new List<Requirement>();
        for (int s = 0; s < sectionCount; s++)
        {
            int header = Checked(elf, sectionTable + (long)s * entrySize, 64);
            if (BinaryPrimitives.ReadUInt32LittleEndian(elf[(header + 4)..]) != ShtGnuVerneed)
                continue;
            long offset = ReadI64(elf, header + 0x18);
            uint link = BinaryPrimitives.ReadUInt32LittleEndian(elf[(header + 0x28)..]);
            long strings = ReadI64(elf, Checked(elf, sectionTable + (long)link * entrySize, 64) + 0x18);
            ReadNeeds(elf, offset, strings, result);
        }
        return result;
    }

    /// <summary>Marks every requirement of <paramref name="version"/> weak; returns how many entries changed.</summary>
    public static int MarkWeak(Span<byte> elf, string version)
    {
        int changed = 0;
        foreach (var requirement in Read(elf))
        {
            if (requirement.Version != version || requirement.Weak)
                continue;
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[requirement.FlagsOffset..]);
            BinaryPrimitives.WriteUInt16LittleEndian(elf[requirement.FlagsOffset..], (ushort)(flags | VerFlagWeak));
            changed++;
        }
        return changed;
    }

    private static void ReadNeeds(ReadOnlySpan<byte> elf, long offset, long strings, List<Requirement> result)
    {
        long need = offset;
        for (int guard = 0; guard < 4096; guard++)
        {
            int n = Checked(elf, need, 16);
            int count = BinaryPrimitives.ReadUInt16LittleEndian(elf[(n + 2)..]);
            string file = ReadString(elf, strings + BinaryPrimitives.ReadUInt32LittleEndian(elf[(n + 4)..]));
            long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(elf[(n + 8)..]);
            for (int k = 0; k < count; k++)
            {
                int a = Checked(elf, aux, 16);
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[(a + 4)..]);
                string name = ReadString(elf, strings + BinaryPrimitives.ReadUInt32LittleEndian(elf[(a + 8)..]));
                result.Add(new Requirement(file, name, (flags & VerFlagWeak) != 0, a + 4));
                uint nextAux = BinaryPrimitives.ReadUInt32LittleEndian(elf[(a + 12)..]);
                if (nextAux == 0) break;
                aux += nextAux;
            }
            uint next = BinaryPrimitives.ReadUInt32LittleEndian(elf[(n + 12)..]);
            if (next == 0) return;
            need += next;
        }
        throw new InvalidDataException("Version requirement chain does not end.");
    }

    private static long ReadI64(ReadOnlySpan<byte> elf, long at) =>
        BinaryPrimitives.ReadInt64LittleEndian(elf[Checked(elf, at, 8)..]);

    private static int Checked(ReadOnlySpan<byte> elf, long at, int length)
    {
        if (at < 0 || at + length > elf.Length)
            throw new InvalidDataException($"ELF offset {at} is outside the file ({elf.Length} bytes).");
        return (int)at;
    }

    private static string ReadString(ReadOnlySpan<byte> elf, long at)
    {
        int start = Checked(elf, at, 1);
        int end = elf[start..].IndexOf((byte)0);
        if (end < 0) throw new InvalidDataException("Unterminated ELF string.");
        return Encoding.ASCII.GetString(elf.Slice(start, end));
    }
}
