using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using LmsCloud.Core.Districts;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LmsCloud.Tests.Web;

/// <summary>The API on a real Kestrel port (a browser cannot reach the in-memory server).</summary>
public sealed class KestrelApiFactory : ApiFactory
{
    public KestrelApiFactory() => UseKestrel(0); // before anything touches the factory (WEB-UI.md §7.4)
}

/// <summary>
/// One API on a real port and one Chromium for all browser tests; each test opens its own browser context (its own
/// cookies). Debian's chromium, never a downloaded one: missing, the fixture fails and says how to install it.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("LMS_CHROMIUM") ?? "/usr/lib/chromium/chromium";

    /// <summary>Where the screenshots go: the test output folder.</summary>
    public static readonly string ScreenshotFolder = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public KestrelApiFactory Api { get; } = new();
    public int Port { get; private set; }
    IPlaywright? _playwright;
    IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Chromium is missing at {ChromiumPath}: the browser tests need it. Install Debian's package " +
                "(apt-get install --no-install-recommends chromium; .ci/run does), or point LMS_CHROMIUM at a Chromium executable.");
        await Api.InitializeAsync();
        Api.StartServer();
        Port = Api.ClientOptions.BaseAddress.Port;
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath });
        Directory.CreateDirectory(ScreenshotFolder);
    }

    public async Task DisposeAsync()
    {
        if (_browser != null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        await ((IAsyncLifetime)Api).DisposeAsync();
    }

    public string Url(string slug, string path = "/") => $"http://{slug}.localhost:{Port}{path}";

    /// <summary>A fresh browser (no cookies) at a phone's or a laptop's width.</summary>
    public async Task<IPage> NewPageAsync(int width = 1024)
    {
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = 760 } });
        return await context.NewPageAsync();
    }

    public Task<DistrictSummary> CreateDistrictAsync(string name = "Test District") => Api.Database.CreateDistrictAsync(name);

    /// <summary>Signs in through the sign-in page, as a person would.</summary>
    public async Task SignInAsync(IPage page, TestUser user, string password = ApiFactory.Password)
    {
        await page.GotoAsync(Url(user.Slug, "/account/sign-in"));
        await page.GetByLabel("Email or user name").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    /// <summary>axe-core on the page as it is: no serious or critical violation (WCAG 2.1 AA is the bar).</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"axe on {page.Url}: " + string.Join("; ", bad.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }

    /// <summary>The screenshots the README shows: with LMS_DOCS_SCREENSHOTS=1 they are also written to docs/screenshots.</summary>
    static readonly string[] DocsScreenshotNames = ["sign-in", "home-Teacher", "home-phone", "import-run-dry", "admin-user"];

    static readonly string? DocsScreenshots = Environment.GetEnvironmentVariable("LMS_DOCS_SCREENSHOTS") == "1"
        ? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../docs/screenshots")) : null;

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
        if (DocsScreenshots != null && DocsScreenshotNames.Contains(name))
            await page.ScreenshotAsync(new() { Path = Path.Combine(DocsScreenshots, name + ".png"), FullPage = true });
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
