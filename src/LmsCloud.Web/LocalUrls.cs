namespace LmsCloud.Web;

public static class LocalUrls
{
    /// <summary>
    /// A path on this host: starts with one slash, not <c>//</c> or <c>/\</c> (both mean another host to a browser),
    /// and no control characters (browsers drop tabs and newlines, which could turn <c>/\t/evil</c> into <c>//evil</c>).
    /// </summary>
    public static bool IsLocal(string url) =>
        url.StartsWith('/') && !url.StartsWith("//") && !url.StartsWith("/\\") && !url.Any(char.IsControl);
}
