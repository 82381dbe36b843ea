using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Net.Http.Headers;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>
/// A browser's cookie jar in front of one district's host of an API in memory: it keeps each cookie a response sets
/// (and drops it when a response expires it) and sends them all back. Not <see cref="CookieContainer"/>: it never
/// sends a Secure cookie over http, and the in-memory server is http (Chromium, the browser of the web tests, does
/// send them to <c>*.localhost</c>, ../shared/design/WEB-UI.md §5). It follows no redirects, so tests see the 303.
/// </summary>
public sealed class TestBrowser(ApiFactory api, string slug)
{
    readonly HttpClient _client = api.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri($"http://{slug}.localhost/"),
        HandleCookies = false,
        AllowAutoRedirect = false,
    });

    public Dictionary<string, string> Cookies { get; private init; } = [];

    /// <summary>The Set-Cookie headers of the last response, parsed.</summary>
    public IReadOnlyList<SetCookieHeaderValue> LastSetCookies { get; private set; } = [];

    /// <summary>These cookies, copied to another district's host or another node (what an attacker with a stolen cookie does).</summary>
    public TestBrowser CopyTo(ApiFactory otherApi, string otherSlug) => new(otherApi, otherSlug) { Cookies = new(Cookies) };

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (Cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
        var response = await _client.SendAsync(request);
        LastSetCookies = response.Headers.TryGetValues("Set-Cookie", out var headers) ? [.. SetCookieHeaderValue.ParseList(headers.ToList())] : [];
        foreach (var cookie in LastSetCookies)
        {
            if (cookie.Expires < DateTimeOffset.UtcNow || cookie.Value.Length == 0) Cookies.Remove(cookie.Name.Value!);
            else Cookies[cookie.Name.Value!] = cookie.Value.Value!;
        }
        return response;
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>The antiforgery token a page would put in its forms (and its cookie, now in the jar).</summary>
    public async Task<string> AntiforgeryTokenAsync()
    {
        var response = await GetAsync("/account/antiforgery");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Posts a form as a page would: with a fresh antiforgery token, unless <paramref name="withToken"/> is false.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, bool withToken = true, params (string Key, string Value)[] fields)
    {
        var all = fields.ToList();
        if (withToken) all.Add(("__RequestVerificationToken", await AntiforgeryTokenAsync()));
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(all.Select(f => KeyValuePair.Create(f.Key, f.Value))),
        });
    }

    public Task<HttpResponseMessage> SignInAsync(string userName, string password = ApiFactory.Password, string? returnUrl = null) =>
        PostFormAsync("/account/sign-in", true,
            [("username", userName), ("password", password), .. returnUrl == null ? [] : new[] { ("returnUrl", returnUrl) }]);

    /// <summary>Signs in and checks it worked (303 and a session cookie).</summary>
    public async Task<TestBrowser> SignedInAsync(TestUser user)
    {
        var response = await SignInAsync(user.Email);
        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, await response.Content.ReadAsStringAsync());
        Assert.True(Cookies.ContainsKey(LmsCloud.Api.Auth.BrowserSessions.CookieName));
        return this;
    }

    public Task<HttpResponseMessage> SignOutAsync() => PostFormAsync("/account/sign-out");
}
