#include "identity/email.h"

#include <gtest/gtest.h>

namespace fanout::identity {
namespace {

TEST(EmailMeta, TrimsAndLowercasesOnly) {
  EXPECT_EQ(normalize_email_meta("  John_Smith@Gmail.com \n"), "john_smith@gmail.com");
  // Meta keeps dots and +alias: they are part of the address it hashes.
  EXPECT_EQ(normalize_email_meta("First.Last+Promo@GMAIL.com"), "first.last+promo@gmail.com");
}

TEST(EmailMeta, LowercasesNonAsciiLetters) {
  EXPECT_EQ(normalize_email_meta("JOSÉ@Example.COM"), "josé@example.com");
}

TEST(EmailGoogle, GmailDropsDotsAndPlusSuffix) {
  EXPECT_EQ(normalize_email_google("cloudy.sanfrancisco+shopping@gmail.com"), "cloudysanfrancisco@gmail.com");
  EXPECT_EQ(normalize_email_google(" Jane.Doe+x@GoogleMail.com "), "janedoe@googlemail.com");
}

TEST(EmailGoogle, OtherDomainsKeepDotsAndPlus) {
  EXPECT_EQ(normalize_email_google("user.name+NYC@Example.com"), "user.name+nyc@example.com");
}

TEST(EmailGoogle, RemovesInnerWhiteSpace) {
  EXPECT_EQ(normalize_email_google(" john . smith @ example.com "), "john.smith@example.com");
}

TEST(EmailMsCapi, DropsDotsAndAliasOnEveryDomain) {
  EXPECT_EQ(normalize_email_ms_capi(" John.Smith+News@Contoso.com "), "johnsmith@contoso.com");
  EXPECT_EQ(normalize_email_ms_capi("john@contoso.com"), "john@contoso.com");
  // Dots of the domain stay: only the local part is rewritten.
  EXPECT_EQ(normalize_email_ms_capi("a.b@mail.contoso.co.uk"), "ab@mail.contoso.co.uk");
}

TEST(EmailMsOffline, DropsAliasButKeepsDots) {
  EXPECT_EQ(normalize_email_ms_offline(" John.Smith+News@Contoso.com "), "john.smith@contoso.com");
}

TEST(EmailAllRules, InvalidAddressesAreDropped) {
  for (const char* bad : {"", "   ", "not-an-email", "@example.com", "john@", "john@localhost", "john@example.",
                          "a@b@example.com", "john smith@example.com"}) {
    EXPECT_EQ(normalize_email_meta(bad), "") << bad;
    EXPECT_EQ(normalize_email_ms_capi(bad), "") << bad;
    EXPECT_EQ(normalize_email_ms_offline(bad), "") << bad;
  }
  EXPECT_EQ(normalize_email_google("no-at-sign.example.com"), "");
}

TEST(EmailAllRules, AliasOnlyLocalPartIsDropped) {
  EXPECT_EQ(normalize_email_ms_capi("+tag@example.com"), "");
  EXPECT_EQ(normalize_email_ms_offline("+tag@example.com"), "");
  EXPECT_EQ(normalize_email_meta("+tag@example.com"), "+tag@example.com");
}

}  // namespace
}  // namespace fanout::identity
