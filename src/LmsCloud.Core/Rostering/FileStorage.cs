using LmsCloud.Core.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Rostering;

/// <summary>An object in storage: its key, size and when it was written.</summary>
public sealed record StoredFile(string Key, long Length, DateTimeOffset LastModified);

/// <summary>
/// Where uploaded roster packages live. A seam: local disk now, object storage (S3, Azure Blob) later
/// (docs/decisions/0005-file-storage-seam.md). Keys are relative paths with '/' separators, e.g.
/// <c>{tenantId}/uploads/{id}.zip</c>; callers never see where the bytes really are, except through
/// <see cref="GetLocalPathAsync"/>.
/// </summary>
public interface IFileStorage
{
    /// <summary>Stores the stream's bytes under the key. Readers never see a half-written object; on failure nothing is left.</summary>
    Task SaveAsync(string key, Stream content, CancellationToken ct = default);

    Task<Stream> OpenReadAsync(string key, CancellationToken ct = default);

    Task<bool> ExistsAsync(string key, CancellationToken ct = default);

    /// <summary>Deletes the object; deleting a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>The objects whose key starts with <paramref name="prefix"/> (a district's inbox).</summary>
    Task<IReadOnlyList<StoredFile>> ListAsync(string prefix, CancellationToken ct = default);

    /// <summary>
    /// A local file holding the object's bytes, for readers that need a seekable file (the import engine opens zips by
    /// path). Local disk answers with the file itself; object storage will download into a local cache.
    /// </summary>
    Task<string> GetLocalPathAsync(string key, CancellationToken ct = default);
}

public static class FileStorageExtensions
{
    /// <summary>Local-disk storage in <c>Storage:Root</c>; default <c>storage</c> in the data folder (<c>.data/storage</c>).</summary>
    public static IServiceCollection AddFileStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var root = configuration["Storage:Root"] is { Length: > 0 } configured ? configured : Path.Combine(DataFolder.Resolve(configuration), "storage");
        return services.AddSingleton<IFileStorage>(new LocalDiskFileStorage(root));
    }
}

/// <summary>
/// <see cref="IFileStorage"/> on a local folder. Several API nodes need the folder on a shared volume; a single node
/// (or development) needs nothing else.
/// </summary>
public sealed class LocalDiskFileStorage(string root) : IFileStorage
{
    readonly string _root = Path.GetFullPath(root);

    public async Task SaveAsync(string key, Stream content, CancellationToken ct = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written under a temporary name and moved into place, so a reader (the nightly job scanning an inbox) never
        // picks up a half-written package, and a failed upload leaves nothing behind.
        var partial = $"{path}.partial-{Guid.NewGuid():N}";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await content.CopyToAsync(file, 81920, ct);
                await file.FlushAsync(ct);
            }
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct = default) =>
        Task.FromResult<Stream>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));

    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) => Task.FromResult(File.Exists(PathOf(key)));

    public Task DeleteAsync(string key, CancellationToken ct = default)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoredFile>> ListAsync(string prefix, CancellationToken ct = default)
    {
        var folder = PathOf(prefix.TrimEnd('/'));
        IReadOnlyList<StoredFile> files = !Directory.Exists(folder)
            ? []
            : new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories)
                .Where(f => !f.Name.Contains(".partial-", StringComparison.Ordinal))
                .Select(f => new StoredFile(Path.GetRelativePath(_root, f.FullName).Replace(Path.DirectorySeparatorChar, '/'), f.Length,
                    new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))
                .OrderBy(f => f.Key, StringComparer.Ordinal)
                .ToList();
        return Task.FromResult(files);
    }

    public Task<string> GetLocalPathAsync(string key, CancellationToken ct = default) => Task.FromResult(PathOf(key));

    /// <summary>The file of a key. Keys come from our own code, but a key that would leave the root is refused anyway.</summary>
    string PathOf(string key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.StartsWith('/') || key.Contains('\\') || key.Split('/').Any(p => p is "" or "." or ".."))
            throw new ArgumentException($"'{key}' is not a storage key (relative, '/'-separated, no '.' or '..' parts).", nameof(key));
        var path = Path.GetFullPath(Path.Combine(_root, key));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{key}' leaves the storage root.", nameof(key));
        return path;
    }
}
