using LmsCloud.Core.Rostering;

namespace LmsCloud.Core.Learning.Shells;

/// <summary>
/// An uploaded file (a course file, a student's submission) checked and stored: a name of at most 255 characters, the
/// size limit enforced on the bytes as they arrive (buffered to a temporary file, not trusted from a declared length),
/// not empty, and the type sniffed from the bytes (<see cref="FileSniffer"/>), never taken from the upload's claim.
/// </summary>
public static class CheckedUpload
{
    public sealed record Stored(string Key, string Name, string ContentType, long Size);

    /// <param name="what">How the limit's message names the file ("A course file", "A submitted file").</param>
    public static async Task<Stored> SaveAsync(IFileStorage files, FileUpload file, string key, long maxBytes, string what, CancellationToken ct)
    {
        var name = Path.GetFileName(file.FileName ?? "").Trim();
        if (name.Length is 0 or > 255) throw ShellRefusal.Invalid("file", "The file needs a name of at most 255 characters.");
        var temp = Path.GetTempFileName();
        try
        {
            long size = 0;
            await using (var buffer = File.Create(temp))
            {
                var chunk = new byte[81920];
                int read;
                while ((read = await file.Content.ReadAsync(chunk, ct)) > 0)
                {
                    size += read;
                    if (size > maxBytes) throw ShellRefusal.Invalid("file", $"{what} is at most {maxBytes / (1024 * 1024)} MB.");
                    await buffer.WriteAsync(chunk.AsMemory(0, read), ct);
                }
            }
            if (size == 0) throw ShellRefusal.Invalid("file", "The file is empty.");
            var head = new byte[Math.Min(FileSniffer.HeaderLength, size)];
            await using (var read = File.OpenRead(temp)) await read.ReadExactlyAsync(head, ct);
            var type = FileSniffer.Sniff(head, name)
                ?? throw ShellRefusal.Invalid("file", "This kind of file is not allowed: PDF, images, MP4/MP3, Office documents and plain text are.");
            await using (var read = File.OpenRead(temp)) await files.SaveAsync(key, read, ct);
            return new Stored(key, name, type, size);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
