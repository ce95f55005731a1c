package demo

import "github.com/crowdcare/crowdcare/models"

// northwind is the demo forum: a community for customers of Northwind, a
// fictional broadband, TV and mobile provider that also sells its own laptops
// and desktops. Everything here is made up. Times count back from the
// moment the demo is seeded; every account joins before it first posts.
func northwind() Set {
	return Set{
		Categories: []Category{
			{Slug: "broadband-wifi", Name: "Broadband & Wi-Fi", Description: "Fibre and DSL connections, the Hub routers, Mesh Pods and home Wi-Fi."},
			{Slug: "billing-account", Name: "Billing & Account", Description: "Bills, payments, contracts, moving house and your online account."},
			{Slug: "tv-streaming", Name: "TV & Streaming", Description: "Setting up and fixing the Northwind Stream box and TV apps."},
			{Slug: "laptops-pcs", Name: "Laptops & PCs", Description: "Help with the Northwind Aero laptops and the Northwind Tower desktop."},
			{Slug: "mobile", Name: "Mobile", Description: "SIM and eSIM plans, activation, roaming and calling features."},
		},
		People: []Person{
			{Username: "admin", Role: models.RoleAdmin, JoinedDaysAgo: 1100},
			// Northwind employees: ambassadors, with the "Northwind Team" badge.
			{Username: "sophie.northwind", JoinedDaysAgo: 420, WorkEmail: "sophie.nolan@northwind.example"},
			{Username: "raj.northwind", JoinedDaysAgo: 230, WorkEmail: "raj.patel@northwind.example"},
			// Long-standing helpers an admin made superusers.
			{Username: "netwiz42", JoinedDaysAgo: 1500, SuperuserDaysAgo: 400},
			{Username: "gwen-jones", JoinedDaysAgo: 950, SuperuserDaysAgo: 150},
			{Username: "oldtimer_dave", JoinedDaysAgo: 1300},
			{Username: "fibre_fan", JoinedDaysAgo: 820},
			{Username: "dev.rob", JoinedDaysAgo: 700},
			{Username: "sam_okafor", JoinedDaysAgo: 600},
			{Username: "tomasz83", JoinedDaysAgo: 520},
			{Username: "priya.n", JoinedDaysAgo: 410},
			{Username: "linda.h", JoinedDaysAgo: 380},
			{Username: "chloe.b", JoinedDaysAgo: 340},
			{Username: "maria_k", JoinedDaysAgo: 300},
			{Username: "hamish_r", JoinedDaysAgo: 260},
			// The account to try the demo with.
			{Username: "demo", JoinedDaysAgo: 62},
			// Signed up this morning to sell adapters: its link waits for approval.
			{Username: "routerdeals_uk", JoinedDaysAgo: 0.4},
		},
		Questions: []Question{
			// 1. Peak-time slowdown: solved.
			{
				Author:   "fibre_fan",
				Category: "broadband-wifi",
				Title:    "Fibre 500 drops to under 10 Mbps every evening between 7 and 11pm",
				Tags:     "fibre, speed, peak-time",
				HoursAgo: 30,
				Body: `I'm on the **Fibre 500** plan with a Hub 3. During the day I get 480–500 Mbps on a wired speed test, but from about 7pm it falls off a cliff and by 9pm I'm lucky to see 8–10 Mbps. Streaming in the lounge buffers and video calls freeze.

What I've tried so far:

- Restarted the Hub 3 (several times, including pulling the power for 5 minutes)
- Tested on Wi-Fi and on a cable from my desktop — both slow in the evening
- Checked nobody else at home is downloading anything
- Service status page says "no known issues in your area"

Is this just congestion and I have to live with it, or is something actually wrong with my line? It's been going on for about two weeks.`,
				Answers: []Answer{
					{
						Author:     "netwiz42",
						HoursAfter: 1.5,
						Helpful:    []string{"fibre_fan", "tomasz83", "linda.h", "chloe.b"},
						Accepted:   true,
						// An ambassador vouches for the community's answer.
						RecommendedBy: "sophie.northwind",
						Body: `A drop from 500 to 10 isn't normal congestion — that usually costs you 10–30%, not 98%. Two weeks of the same pattern every evening points at a congested link in the cabinet or exchange, and support can only escalate it if you give them evidence.

1. Plug a laptop straight into LAN port 1 on the Hub 3 (not the Mesh Pods, not Wi-Fi).
2. Run a speed test at lunchtime, 8pm and 10pm for three or four days. Screenshot each one with the time visible.
3. In the Hub admin page go to **Advanced › Broadband › Line status** and note the sync speed. If the sync stays at 500 while the tests fall to 10, the line itself is fine and the problem is upstream.
4. Contact support, say "consistent peak-time slowdown, sync speed unaffected", and ask them to raise a **network capacity fault** for your area.

Last year the same thing happened on my street; it took about ten days for them to add capacity, but speeds came back fully afterwards.`,
					},
					{
						Author:     "tomasz83",
						HoursAfter: 4,
						Helpful:    []string{"fibre_fan"},
						Body:       `+1 to the above. Also worth checking your Guaranteed Speed — if it's below the minimum in your contract for three days in a row after reporting it, you're entitled to exit penalty-free or get compensation. Keep the screenshots.`,
					},
				},
				// Curated the next day: the article is "Reviewed by Northwind".
				Article: &Article{
					CuratedBy:         "sophie.northwind",
					CuratedHoursAfter: 20,
					Title:             "Fibre much slower every evening: how to get a peak-time slowdown fixed",
					Problem:           "Speeds are normal during the day but fall sharply every evening (for example from 500 Mbps to under 10 Mbps between 7 and 11pm), on Wi-Fi and on a cable, even after restarting the Hub.",
					Solution: `A fall of more than about a third at peak time is not normal congestion. If the Hub's sync speed stays the same while the speed tests drop, the line is fine and the problem is capacity in the network, which we can fix once we know about it.

1. Connect a laptop to **LAN port 1** on the Hub with a cable (not through Mesh Pods or Wi-Fi).
2. For three or four days, run a speed test at lunchtime, around 8pm and around 10pm, and keep a screenshot of each with the time.
3. In the Hub's admin page, open **Advanced › Broadband › Line status** and note the sync speed at the same times.
4. Contact us (chat in the Northwind app keeps a transcript) and say "peak-time slowdown, sync speed unaffected". We raise a **network capacity fault** for your area and tell you when extra capacity is added, usually within two weeks.

If your speed stays below the minimum guaranteed speed in your contract for three days after you report it, you can claim compensation or leave without an exit fee.`,
				},
			},

			// 2. Hub 3 evening Wi-Fi drop: recent, answers, not solved yet.
			{
				Author:   "maria_k",
				Category: "broadband-wifi",
				Title:    "Hub 3 drops Wi-Fi every evening around 8pm",
				Tags:     "router, wifi, hub-3",
				HoursAgo: 5.5,
				Body: `Since last weekend my Hub 3 Wi-Fi disconnects every evening, almost always between 8 and 8:30pm. All the phones and the laptop lose connection for about a minute, then it comes back. The Ethernet-connected TV box doesn't seem affected.

- Hub 3, firmware 3.4.12 (it updated itself last week)
- Light on the front stays white, doesn't go orange
- Happens on both 2.4 and 5 GHz

It's driving my kids mad during homework. Anything I can check before ringing support?`,
				Answers: []Answer{
					{
						Author:        "dev.rob",
						HoursAfter:    0.4,
						Helpful:       []string{"maria_k", "gwen-jones"},
						RecommendedBy: "raj.northwind",
						Body: `Sounds like the Hub is switching channels when the neighbours' Wi-Fi gets busy in the evening (auto channel does a full rescan and everyone gets kicked off). Try fixing the channels:

1. Go to http://192.168.1.1 and log in with the admin password on the sticker.
2. Open **Settings › Wi-Fi › Channel**.
3. Set 2.4 GHz to channel 1, 6 or 11 (whichever your phone's Wi-Fi analyser shows as least busy) and 5 GHz to 36 or 44.
4. Save and wait for the Hub to restart its radios.

If it still drops after that, it might be the new firmware and it's worth reporting.`,
					},
					{
						Author:     "hamish_r",
						HoursAfter: 1.2,
						Body:       `Just factory reset it with a paperclip, fixes everything with these hubs.`,
						Flags: []Flag{{By: "gwen-jones", Reason: "unsafe", HoursAfter: 2,
							Note: "A factory reset wipes the Wi-Fi name and password and every custom setting, and won't help if it's the 3.4.12 firmware."}},
					},
					{
						Author:     "gwen-jones",
						HoursAfter: 3.1,
						Helpful:    []string{"maria_k"},
						Body: `I'd hold off on a factory reset — you'll lose your Wi-Fi name and password and have to reconnect every device, and it won't help if it's the firmware.

Mine started doing something similar after the 3.4.12 update too. Worth checking **Advanced › System › Event log** right after the next drop and seeing whether it says "radio restart" or "DFS channel change". Post it here if you can.`,
					},
					{
						Author:     "raj.northwind",
						HoursAfter: 4.4,
						Helpful:    []string{"maria_k"},
						Body: `Thanks for the detail, Maria, and thanks @gwen-jones for the event log tip. We've confirmed that Hub 3 firmware **3.4.12** can restart the Wi-Fi radios when auto channel selection rescans on a busy evening — that's the one-minute drop you're seeing, and it's why the wired TV box isn't affected.

- Firmware **3.4.14** fixes it. It's rolling out to all Hub 3s this week, overnight; you don't need to do anything.
- Until then, fixing the channels as dev.rob describes stops the rescans. It's safe to leave them fixed after the update too.
- Please don't factory reset the Hub for this — it won't help and you'd have to reconnect every device.

If you still see drops after your Hub shows 3.4.14 under **Advanced › System**, reply here and I'll look at your line.`,
					},
				},
			},

			// 3. Port forwarding for a games console: solved.
			{
				Author:   "tomasz83",
				Category: "broadband-wifi",
				Title:    "Port forwarding on Hub 3 for PS5 — NAT type still strict",
				Tags:     "port-forwarding, gaming, nat, hub-3",
				HoursAgo: 200,
				Body: `I've added the port forwards for my PS5 in the Hub 3 but the console still reports **NAT Type 3** and party chat keeps failing.

Forwards I added (all to 192.168.1.50, which is what the PS5 shows):

~~~
TCP 80, 443, 3478, 3479, 3480
UDP 3478, 3479
~~~

The PS5 is on Wi-Fi through a Mesh Pod in the bedroom. UPnP is switched on. Am I missing something?`,
				Answers: []Answer{
					{
						Author:     "netwiz42",
						HoursAfter: 2.5,
						Helpful:    []string{"tomasz83", "dev.rob", "sam_okafor"},
						Accepted:   true,
						Body: `Two things usually catch people out:

1. **The console's address changes.** The Hub hands out addresses by DHCP, so 192.168.1.50 today might be .53 next week and your forwards point at nothing. Go to **Settings › Network › DHCP reservations**, pick the PS5 from the list and reserve its current address.
2. **Mesh Pods in router mode.** If the Pods were set up as their own router, you have double NAT — the Hub forwards to the Pod, not the PS5. In the Northwind app go to **Mesh › Pod settings › Mode** and make sure it says *Access point (bridge)*, not *Router*.

After that, restart the PS5 and test the connection again. With the reservation and the Pods in bridge mode you should get NAT Type 2 without any manual forwards at all, as UPnP will handle it. I'd actually remove the manual forwards once it's working, so they don't clash with UPnP.`,
					},
					{
						Author:     "oldtimer_dave",
						HoursAfter: 6,
						Body:       `Put the PS5 in the DMZ, that always works.`,
						Flags: []Flag{{By: "netwiz42", Reason: "unsafe", HoursAfter: 3,
							Note: "The DMZ opens every port on the console to the internet. Bridge mode on the Pods fixes the NAT type safely."}},
					},
					{
						Author:     "tomasz83",
						HoursAfter: 20,
						Helpful:    []string{"netwiz42"},
						Body:       `It was the Pods — one of them had been set up in Router mode by the engineer. Switched to bridge, reserved the address and it's now NAT Type 2. Thanks!`,
					},
				},
			},

			// 4. DNS problems: solved, with a code block.
			{
				Author:   "linda.h",
				Category: "broadband-wifi",
				Title:    "Some websites won't load but others do — DNS_PROBE_FINISHED_NXDOMAIN",
				Tags:     "dns, windows, browser",
				HoursAgo: 75,
				Body: `Since this morning about half the sites I visit fail with **DNS_PROBE_FINISHED_NXDOMAIN** in the browser. Others (including the Northwind site) load fine. My phone on the same Wi-Fi has the same problem, but on 4G everything works.

Windows 11 laptop, here's the relevant bit of ipconfig /all:

~~~
Wireless LAN adapter Wi-Fi:
   IPv4 Address. . . . . . . . . . . : 192.168.1.23
   Default Gateway . . . . . . . . . : 192.168.1.1
   DNS Servers . . . . . . . . . . . : 192.168.1.1
~~~

I haven't changed anything in the Hub settings. Is it the Hub or Northwind's DNS?`,
				Answers: []Answer{
					{
						Author:     "dev.rob",
						HoursAfter: 0.8,
						Helpful:    []string{"linda.h", "priya.n", "maria_k"},
						Accepted:   true,
						Body: `If it happens on every device on your Wi-Fi but not on 4G, it's almost certainly the DNS side rather than your laptop. Quick way to confirm, from a Command Prompt:

~~~
nslookup example.com
nslookup example.com 1.1.1.1
~~~

If the first one fails (it asks the Hub, which asks Northwind) and the second one works, the Hub's upstream DNS is the problem. Then:

1. Restart the Hub — it re-fetches the DNS servers from the network, which fixes it most of the time.
2. If not, go to **Settings › Network › DNS** in the Hub and switch from *Automatic* to *Custom*, and enter a public resolver as primary and secondary.
3. On the laptop, clear the cache so it forgets the failures:

~~~
ipconfig /flushdns
~~~

You can switch the Hub back to *Automatic* later once Northwind's resolvers are behaving again.`,
					},
					{
						Author:     "linda.h",
						HoursAfter: 1.6,
						Body:       `The second nslookup worked and the first didn't, exactly as you said. A Hub restart alone didn't fix it, but custom DNS did. Thank you!`,
					},
				},
			},

			// 5. The demo user's solved question: Mesh Pods and the old Hub 2.
			{
				Author:   "demo",
				Category: "broadband-wifi",
				Title:    "Will Mesh Pods work with my old Hub 2 or do I need a Hub 3?",
				Tags:     "mesh, hub-2, hub-3",
				HoursAgo: 120,
				Body: `We've got poor Wi-Fi upstairs and I'm thinking about ordering a pair of **Northwind Mesh Pods**. I'm still on the old **Hub 2** though (DSL, about 60 Mbps).

- Do the Pods work with a Hub 2 at all?
- Is it worth paying for the Hub 3 upgrade at the same time?
- Do I need fibre for any of this to make a difference?

Thanks in advance.`,
				Answers: []Answer{
					{
						Author:     "gwen-jones",
						HoursAfter: 3,
						Helpful:    []string{"demo", "fibre_fan", "netwiz42"},
						Accepted:   true,
						Body: `They do work with a Hub 2, but you lose a few of the nicer features. I've had both setups:

| | Hub 2 + Mesh Pods | Hub 3 + Mesh Pods |
|---|---|---|
| Works at all | Yes, Pods act as a separate network | Yes, one network |
| Single Wi-Fi name | Only if you turn the Hub 2 Wi-Fi off | Yes, automatic |
| Wi-Fi 6 | Pods only | Hub and Pods |
| Managed in the app | Pods only | Everything |
| Cost | Pods only | Pods + upgrade fee (often free on re-contract) |

On 60 Mbps DSL you won't notice the Wi-Fi 6 speed difference — your line is the bottleneck. The main win of the Pods for you is coverage upstairs, and that works fine with the Hub 2.

If you go with the Hub 2, set the Pods up via the app, then turn off the Hub 2's own Wi-Fi under **Wireless › Settings** so your devices don't cling to the weaker signal.`,
					},
					{
						Author:     "hamish_r",
						HoursAfter: 5,
						Body:       `Just get the Hub 3, the Hub 2 is ancient.`,
					},
				},
			},

			// 6. Wi-Fi 6 compatibility: solved.
			{
				Author:   "priya.n",
				Category: "broadband-wifi",
				Title:    "Older laptop can't see the 5 GHz network since the Hub 3 upgrade",
				Tags:     "wifi-6, hub-3, 5ghz, windows",
				HoursAgo: 410,
				Body: `Northwind swapped my Hub 2 for a Hub 3 last week. Phones and the new laptop are all fine, but my old 2016 laptop (Windows 10, Intel Wi-Fi card) only sees the network on 2.4 GHz, and it's slow. Before the swap it happily used 5 GHz.

Things I've tried:

- Forgetting the network and reconnecting
- Updating Windows
- Turning Wi-Fi off and on again

Is the Hub 3 Wi-Fi 6 only? Do I need a new laptop?`,
				Answers: []Answer{
					{
						Author:     "fibre_fan",
						HoursAfter: 2,
						Helpful:    []string{"priya.n", "tomasz83"},
						Accepted:   true,
						Body: `No, the Hub 3 still talks to older Wi-Fi 5 devices. The usual culprit is one of these two settings:

1. **Channel.** Out of the box the Hub 3 sometimes picks a DFS channel (52–140). Many older Intel cards don't scan those. Go to **Settings › Wi-Fi › 5 GHz › Channel** and choose 36, 40, 44 or 48.
2. **Security mode.** If it's set to *WPA3 only*, older cards can't join. Change it to **WPA2/WPA3 mixed** under **Settings › Wi-Fi › Security**.

Also worth grabbing the latest Wi-Fi driver from the laptop maker's site rather than relying on Windows Update — the generic one is often years old.`,
					},
					{
						Author:     "priya.n",
						HoursAfter: 26,
						Body:       `It was the channel — it was on 100. Set it to 36 and the old laptop found it straight away. Thanks!`,
					},
					{
						// A new account's first post with a link: held for approval.
						Author:     "routerdeals_uk",
						HoursAfter: 401,
						Member:     true,
						Body:       `Just buy a Wi-Fi 6 USB adapter!!! Only £9.99 with FREE next day delivery at https://routerdeals-uk.example/wifi6 — works with ANY laptop, 5 GHz guaranteed.`,
					},
				},
			},

			// 7. DSL resyncing: answers, no acceptance.
			{
				Author:   "oldtimer_dave",
				Category: "broadband-wifi",
				Title:    "DSL line keeps resyncing several times a day, especially when it rains",
				Tags:     "dsl, line-fault, hub-2",
				HoursAgo: 660,
				Body: `Rural DSL on a Hub 2. The broadband light goes orange and flashes several times a day, and then it reconnects after a minute or two. It's much worse when it's been raining. Sync speed varies from 14 to 19 Mbps.

From the Hub 2 status page after the last drop:

~~~
Line state: Showtime   Uptime: 00:12:41
Downstream SNR margin: 3.1 dB   Attenuation: 52.5 dB
~~~

I've plugged it into the master socket with a different filter, no change. Phone line is crackly sometimes too.`,
				Answers: []Answer{
					{
						Author:     "netwiz42",
						HoursAfter: 5,
						Helpful:    []string{"oldtimer_dave", "chloe.b"},
						Body: `An SNR margin of 3 dB is very low — the line is barely holding on, and rain getting into a joint outside makes it worse, which matches the crackle on the phone. That's a line fault, not the Hub.

Do a quiet line test (dial 17070 from a landline if you still have one) and report it as a fault to support, mentioning the crackle and the rain. They can run a line test from their side and send an engineer to check the drop wire and the joint on the pole.`,
					},
					{
						Author:     "sam_okafor",
						HoursAfter: 9,
						Body:       `Have you tried a new router? Mine did this and the new Hub fixed it.`,
					},
				},
			},

			// 8. Bill went up after the promo ended: solved, with a table.
			{
				Author:   "sam_okafor",
				Category: "billing-account",
				Title:    "Bill jumped from £32 to £51 this month — did my promo end?",
				Tags:     "bill, price-rise, contract",
				HoursAgo: 52,
				Body: `My broadband bill has always been **£32/month** (Fibre 150) and this month it's **£51.40**. Nothing in the bill says why, it just lists "Fibre 150 — monthly charge".

I joined 18 months ago on an 18-month deal. Did the discount end? Nobody told me, or if they did it went to spam. What are my options — do I have to ring up and haggle?`,
				Answers: []Answer{
					{
						Author:     "chloe.b",
						HoursAfter: 1,
						Helpful:    []string{"sam_okafor", "maria_k", "gwen-jones", "linda.h"},
						Accepted:   true,
						Body: `Yes, that's the end-of-contract price. Your minimum term finished and you've gone onto the standard rate. They do send an "end of contract" notice 10–40 days before — check **My Account › Messages** as well as your email.

You're out of contract now, so you have leverage. The options I was offered last month:

| Option | Monthly price | Term | Notes |
|---|---|---|---|
| Do nothing | £51.40 | Rolling, 30 days' notice | Most expensive |
| Re-contract same speed | around £33 | 18 months | Can do online under **My Account › Upgrade** |
| Re-contract, faster speed | around £36 (Fibre 500) | 18 months | Often free Hub 3 upgrade |
| Leave | — | — | No exit fee now, 30 days' notice |

The online re-contract prices were the same as what the phone agent offered me, so no need to haggle unless you want something extra.`,
					},
					{
						Author:     "sophie.northwind",
						HoursAfter: 3.5,
						Helpful:    []string{"sam_okafor"},
						Body:       `Just to add: if your account doesn't show the end-of-contract notice in **My Account › Messages** at all, reply here and I'll pass it to the billing team — everyone should get that notice before the price changes.`,
					},
				},
			},

			// 9. Moving house: answered, not accepted yet.
			{
				Author:   "gwen-jones",
				Category: "billing-account",
				Title:    "Moving house next month — can I take my fibre contract with me?",
				Tags:     "moving-house, contract, fibre",
				HoursAgo: 300,
				Body: `We're moving about 20 miles away on the 14th of next month. I'm 8 months into a 24-month Fibre 500 contract.

- Can I move the contract, or do I pay an early exit fee?
- How much notice do they need?
- What happens if the new address can't get Fibre 500?

Also, will the Hub 3 and Mesh Pods work at the new place or do I get new ones?`,
				Answers: []Answer{
					{
						Author:     "linda.h",
						HoursAfter: 4,
						Helpful:    []string{"gwen-jones", "dev.rob"},
						Body: `Moved last year, it was fairly painless. Use **My Account › Moving home** rather than phoning — it checks what's available at the new address straight away.

- The contract moves with you, no exit fee, as long as they can supply the new address.
- Give at least two weeks' notice; I did three and the engineer slot was still a week after I moved in.
- If the new place can only get a slower speed, they drop you to that tier and the price goes down. If they can't supply at all, you can leave without a fee.
- Keep your Hub and Pods — just take them with you and plug in on the switch-over day.`,
					},
					{
						Author:     "fibre_fan",
						HoursAfter: 30,
						Body:       `One thing to watch: there can be a small "home move" admin fee depending on your plan. Mine was waived but check the summary page before you confirm.`,
					},
				},
			},

			// 10. Compensation for an outage: solved, with a link.
			{
				Author:   "hamish_r",
				Category: "billing-account",
				Title:    "Refund or compensation for a 3-day broadband outage last week?",
				Tags:     "outage, refund, compensation",
				HoursAgo: 140,
				Body: `Our broadband was completely down from Tuesday morning to Friday afternoon last week (a cable was cut by roadworks, according to the status page). I work from home and had to use my phone as a hotspot for three days.

Am I entitled to any money back? Do I have to claim it or is it automatic?`,
				Answers: []Answer{
					{
						Author:     "sophie.northwind",
						HoursAfter: 2,
						Helpful:    []string{"hamish_r", "chloe.b", "oldtimer_dave"},
						Accepted:   true,
						Body: `Sorry to hear about the outage. For a complete loss of service you're covered by automatic compensation, but it's worth checking it has been applied:

1. Compensation is a daily amount for each full day without service after the fault was reported (the outage counts as reported once it appears on the status page).
2. It normally shows on your next bill as a credit called "Service compensation".
3. If it doesn't appear within two bills, or you also want to claim extra costs such as mobile data, use the outage claim form.

The full rules and the form are here: https://www.northwind.example/help/outage-compensation

If you used mobile data as a hotspot, keep a copy of that bill — it helps if you claim for extra costs.`,
					},
					{
						Author:     "hamish_r",
						HoursAfter: 70,
						Body:       `Credit showed up on this month's bill without me doing anything. Cheers.`,
					},
				},
			},

			// 11. The demo user's unanswered question.
			{
				Author:   "demo",
				Category: "billing-account",
				Title:    "How do I change the date my Direct Debit is taken?",
				Tags:     "direct-debit, payment, account",
				HoursAgo: 9,
				Body: `I've just changed jobs and get paid on the 28th now, but my Northwind bill comes out on the 15th. I'd like to move it to the 1st of the month.

I've looked through **My Account › Payments** but I can only see options to change the bank details, not the date. Is it possible to change it online, or do I have to call?`,
				Answers: []Answer{
					{
						Author:     "chloe.b",
						HoursAfter: 8,
						Body:       `I don't think you can pick any day online, but when I moved mine last year the chat in the Northwind app offered the 1st, 8th, 15th or 22nd. It took effect from the next bill, and that bill was a little bigger to cover the extra days.`,
					},
				},
			},

			// 12. Stream box buffering: solved.
			{
				Author:   "chloe.b",
				Category: "tv-streaming",
				Title:    "Northwind Stream box buffering on every live channel, on-demand fine",
				Tags:     "stream-box, buffering, tv",
				HoursAgo: 96,
				Body: `The **Northwind Stream** box in the lounge keeps buffering on live channels — a spinning circle every couple of minutes. On-demand programmes and the other streaming apps play fine on the same box.

Setup:

- Stream box on Wi-Fi, about 5 metres from the Hub 3, through one wall
- Fibre 150, speed test in the box's settings says 60–80 Mbps
- Already restarted the box and the Hub

Any ideas? It's only live TV that's affected.`,
				Answers: []Answer{
					{
						Author:     "dev.rob",
						HoursAfter: 1.5,
						Helpful:    []string{"chloe.b", "maria_k"},
						Accepted:   true,
						Body: `Live channels have a much smaller buffer than on-demand, so any Wi-Fi hiccups show up as buffering there first, even when the average speed looks fine.

1. If you can, connect the box with an Ethernet cable (or a Mesh Pod next to the TV with a short cable). That fixes it for almost everyone.
2. If Wi-Fi is the only option, go to **Settings › Network › Wi-Fi** on the box and make sure it's on the 5 GHz network, not 2.4.
3. On the box, go to **Settings › TV › Live stream quality** and try *Auto* instead of *Best* — *Best* forces 4K where available and doesn't step down when the signal dips.`,
					},
					{
						Author:     "chloe.b",
						HoursAfter: 22,
						Body:       `Changing the live stream quality from Best to Auto has stopped it completely. I'll run a cable at the weekend as well. Thanks!`,
					},
				},
			},

			// 13. Stream box stuck updating: answers, not solved.
			{
				Author:   "dev.rob",
				Category: "tv-streaming",
				Title:    "Stream box stuck on 'Updating software 0%' after a power cut",
				Tags:     "stream-box, software-update",
				HoursAgo: 18,
				Body: `We had a power cut last night and since then the Northwind Stream box just shows "Updating software… 0%" on a grey screen. It's been like that for over 10 hours. The light on the front is blinking blue.

Unplugging it and plugging it back in goes straight back to the same screen. Internet is working fine for everything else.`,
				Answers: []Answer{
					{
						Author:        "demo",
						HoursAfter:    0.6,
						Helpful:       []string{"dev.rob", "netwiz42"},
						Accepted:      true,
						RecommendedBy: "sophie.northwind",
						Body: `The same thing happened to mine after a storm. What fixed it for me was a recovery restart:

1. Unplug the power.
2. Hold the button on the back (next to the HDMI port).
3. Keep holding it while you plug the power back in, until the light flashes white, then let go.

It took about 15 minutes to download the software again, but it came back with all my recordings and settings.`,
					},
					{
						Author:     "oldtimer_dave",
						HoursAfter: 2,
						Body:       `Mine did this and I had to get a new box sent out. Ring support.`,
					},
					{
						Author:     "netwiz42",
						HoursAfter: 4.5,
						Helpful:    []string{"dev.rob", "demo"},
						Body:       `If the recovery restart @demo describes doesn't work, try it with the box connected by Ethernet rather than Wi-Fi — the recovery download can fail on Wi-Fi because it hasn't got your Wi-Fi password yet after the reset.`,
					},
				},
			},

			// 14. Soundbar via HDMI ARC: unanswered.
			{
				Author:   "linda.h",
				Category: "tv-streaming",
				Title:    "No sound through my soundbar via HDMI ARC with the Northwind Stream",
				Tags:     "stream-box, hdmi, audio",
				HoursAgo: 2,
				Body: `Just set up a new soundbar on the TV's HDMI ARC port. The TV's own apps play through the soundbar fine, but when I switch to the Northwind Stream box there's no sound at all — not through the soundbar, not through the TV speakers.

I've tried setting the box's **Settings › Sound › Audio output** to *Auto*, *Stereo* and *Dolby Digital*, with no change. HDMI-CEC is on on the TV. Any ideas?`,
			},

			// 15. Laptop battery draining in sleep: solved, with a code block.
			{
				Author:   "tomasz83",
				Category: "laptops-pcs",
				Title:    "Aero 14 loses 30% battery overnight while asleep",
				Tags:     "aero-14, battery, sleep, windows",
				HoursAgo: 170,
				Body: `My **Northwind Aero 14** (bought in March, Windows 11) goes from 90% to about 60% overnight with the lid closed. It's warm when I open it in the morning, like it's been awake.

- Lid close action is set to Sleep
- BIOS and drivers updated through the Northwind Update app
- Happens whether or not it's plugged into the USB-C dock beforehand

My old laptop lost maybe 2–3% overnight. Is this normal for the Aero?`,
				Answers: []Answer{
					{
						Author:     "priya.n",
						HoursAfter: 3,
						Helpful:    []string{"tomasz83", "dev.rob", "netwiz42", "sam_okafor"},
						Accepted:   true,
						Body: `Not normal, but very common with "Modern Standby" laptops — the Aero doesn't really sleep, it stays semi-awake so it can fetch mail and updates, and something keeps waking it up fully.

Open a Command Prompt **as administrator** and run:

~~~
powercfg /a
powercfg /sleepstudy
~~~

The first shows which sleep states are available (you'll probably see "Standby (S0 Low Power Idle)"). The second writes a sleepstudy-report.html in the current folder — open it and look at the overnight session for the top offenders.

For me it was the Wi-Fi card and a game launcher. What helped:

1. **Settings › System › Power & battery › Lid and power button controls** — set lid close to *Hibernate* instead of Sleep. Opening the lid takes about 5 seconds longer, but it uses no battery.
2. Device Manager › Network adapters › Wi-Fi › Properties › Power Management — tick *Allow the computer to turn off this device to save power*.
3. Remove startup apps you don't need in **Settings › Apps › Startup**.

With Hibernate on lid close I lose 0–1% overnight now.`,
					},
					{
						Author:     "tomasz83",
						HoursAfter: 28,
						Helpful:    []string{"priya.n"},
						Body:       `Sleep study showed a chat app waking it up about 400 times a night. Set lid close to Hibernate and it went from 90% to 89% overnight. Marking this as the answer.`,
					},
				},
			},

			// 16. BIOS update failed on the Tower: solved.
			{
				Author:   "netwiz42",
				Category: "laptops-pcs",
				Title:    "BIOS update failed on Northwind Tower — black screen and fans at full speed",
				Tags:     "northwind-tower, bios, recovery",
				HoursAgo: 500,
				Body: `I ran the BIOS update from the Northwind Update app on my **Northwind Tower** (2023 model). About halfway through, the progress bar stopped and after 20 minutes I gave up and turned it off. Yes, I know.

Now when I turn it on:

- fans go to full speed straight away
- no picture on either monitor, not even the Northwind logo
- the power light blinks amber 3 times, pauses, repeats

Is it bricked? It's out of warranty by two months.`,
				Answers: []Answer{
					{
						Author:     "fibre_fan",
						HoursAfter: 1,
						Body:       `Sounds like the board is dead, I'd get a quote for a new motherboard.`,
					},
					{
						Author:     "dev.rob",
						HoursAfter: 3.5,
						Helpful:    []string{"netwiz42", "priya.n", "hamish_r"},
						Accepted:   true,
						Body: `Three amber blinks on the Tower means "BIOS corrupted — recovery possible", so don't give up yet. The Tower keeps a backup boot block for exactly this.

1. On another PC, download the BIOS file for your exact model from the Northwind support site (the file ends in .bin).
2. Format a USB stick as **FAT32** (not exFAT or NTFS) and copy the file to the root, renamed to RECOVERY.BIN.
3. Plug the stick into one of the **black** USB ports on the back (the blue ones aren't powered during recovery).
4. Hold down **Ctrl + Home** and press the power button. Keep holding until the power light turns solid white, then let go.
5. Leave it alone. It can take 5–10 minutes with the screen black and the fans loud, then it restarts by itself.

If the light never turns white, try a different USB stick — some newer ones aren't recognised by the recovery code. And even out of warranty, support will often do a BIOS recovery free of charge if the update app caused it.`,
					},
					{
						Author:     "netwiz42",
						HoursAfter: 8,
						Helpful:    []string{"dev.rob"},
						Body:       `Worked on the second USB stick. Blinked white, sat there with the fans screaming for 7 minutes, then rebooted to the Northwind logo. Massive relief. Thanks!`,
					},
				},
			},

			// 17. Aero 15 Pro trackpad: unanswered.
			{
				Author:   "sam_okafor",
				Category: "laptops-pcs",
				Title:    "Aero 15 Pro trackpad stopped working after the latest Windows update",
				Tags:     "aero-15-pro, trackpad, windows",
				HoursAgo: 14,
				Body: `After yesterday's Windows update the trackpad on my **Aero 15 Pro** doesn't respond at all. A USB mouse works fine.

What I've checked:

- Fn + F6 (trackpad toggle) — no change
- **Settings › Bluetooth & devices › Touchpad** — the page says "No touchpad found"
- Device Manager shows a "HID-compliant device" with a yellow warning triangle, code 10

I'd rather not roll back the whole update if there's a driver fix.`,
			},

			// 18. SIM activation: solved.
			{
				Author:   "maria_k",
				Category: "mobile",
				Title:    "New Northwind SIM not activating — phone says 'SIM not provisioned MM#2'",
				Tags:     "sim, activation, android",
				HoursAgo: 60,
				Body: `I signed up for a Northwind Mobile 30GB plan and the SIM arrived yesterday. I put it in my Android phone and it just says **"SIM not provisioned MM#2"**. No signal bars, no calls.

- The activation email said "your SIM will be active within 24 hours" — that was 30 hours ago
- I'm keeping my old number (I gave them my PAC code when ordering)
- Phone is unlocked, an old SIM from another network works fine in it

Is it stuck?`,
				Answers: []Answer{
					{
						Author:     "fibre_fan",
						HoursAfter: 1.2,
						Helpful:    []string{"maria_k", "hamish_r"},
						Accepted:   true,
						Body: `When you're porting a number in, the new SIM usually stays inactive until the port completes — it's given a temporary number behind the scenes, but it isn't switched on fully until your old network releases the number. The port normally happens on the next working day, between 10am and 4pm.

1. Check **My Account › Mobile › Number transfer** — it shows the port date and status.
2. If the date has passed and it still says "pending", the PAC code might have been typed wrong. You can re-enter it there.
3. Once the status changes to "complete", restart the phone. If it still says MM#2, turn Airplane mode on and off, and then go to **Settings › Connections › Mobile networks › Network operators** and select the network manually.`,
					},
					{
						Author:     "maria_k",
						HoursAfter: 4,
						Body:       `The transfer page said the PAC code was "invalid" — I'd typed an O instead of a 0. Re-entered it and the number transferred this morning. All working now!`,
					},
				},
				// Marked out of date when the number transfer page moved to the app.
				Article: &Article{
					OutdatedBy:       "raj.northwind",
					OutdatedHoursAgo: 20,
					OutdatedNote:     "Number transfers have moved from My Account to the Northwind app (Mobile › Bring your number); the status and the PAC code are there now. The rest still applies.",
				},
			},

			// 19. eSIM transfer: answered, not accepted.
			{
				Author:   "fibre_fan",
				Category: "mobile",
				Title:    "Moving my eSIM to a new iPhone — QR code says it's already been used",
				Tags:     "esim, iphone, transfer",
				HoursAgo: 230,
				Body: `Got a new iPhone and I'm trying to move my Northwind eSIM over from the old one. The quick transfer option during setup didn't offer the Northwind line, so I tried scanning the original QR code from my welcome email, and it says:

~~~
This code is no longer valid. Contact your carrier for more information.
~~~

The old phone still has the eSIM and still works. How do I get it onto the new one without losing my number?`,
				Answers: []Answer{
					{
						Author:     "chloe.b",
						HoursAfter: 2,
						Helpful:    []string{"fibre_fan", "linda.h"},
						Body: `Each QR code works once, so the original one is spent. You need to request a replacement eSIM:

1. In the Northwind app, go to **Mobile › Manage SIM › Replace or move eSIM**.
2. Choose *New device*. They'll email a fresh QR code (it took about 10 minutes for me).
3. Scan it on the **new** iPhone under **Settings › Mobile Data › Add eSIM**.

The old phone loses service as soon as the new eSIM activates, so don't delete it from the old phone until the new one has signal. Your number and plan stay the same.`,
					},
					{
						Author:     "hamish_r",
						HoursAfter: 6,
						Body:       `You have to go into a shop for eSIM swaps I think.`,
					},
					{
						Author:     "netwiz42",
						HoursAfter: 9,
						Helpful:    []string{"fibre_fan"},
						Body:       `The app route that chloe.b describes works, but only if your account has a security PIN set. If the option is greyed out, set a PIN under **Account › Security** first and then go back to **Replace or move eSIM**.`,
					},
				},
			},

			// 20. Wi-Fi Calling: unanswered.
			{
				Author:   "gwen-jones",
				Category: "mobile",
				Title:    "Wi-Fi Calling option missing on Android after switching to a Northwind SIM",
				Tags:     "wifi-calling, android, sim",
				HoursAgo: 7,
				Body: `Our house has terrible mobile signal, so Wi-Fi Calling was the main reason I switched to Northwind Mobile. But on my Android phone the **Wi-Fi Calling** toggle has vanished from **Settings › Connections** since I put the Northwind SIM in. It was there with my old network's SIM.

The phone is a little over a year old and fully updated. Does Northwind support Wi-Fi Calling on all Android phones, or only certain models?`,
				Answers: []Answer{
					{
						Author:     "raj.northwind",
						HoursAfter: 2.5,
						Helpful:    []string{"gwen-jones"},
						Body: `Hi Gwen — Wi-Fi Calling works on most Android phones from the last three years, but it has to be switched on for your line first, and the phone needs Northwind's carrier settings:

1. In the Northwind app, go to **Mobile › Calling features › Wi-Fi Calling** and turn it on. It can take up to an hour to activate.
2. On the phone, go to **Settings › About phone › Software information** and install any pending update — the carrier settings arrive with it.
3. Restart the phone. The toggle then appears under **Settings › Connections › Wi-Fi Calling**.

If the app says your phone isn't supported, reply with the model and I'll check the list for you.`,
					},
				},
			},

			// 21. A general question: answered, not accepted.
			{
				Author:   "oldtimer_dave",
				Category: "general",
				Title:    "What should I have ready before contacting Northwind support?",
				Tags:     "support, tips",
				HoursAgo: 900,
				Body:     `Every time I call support I get asked for something I don't have to hand and end up calling back. What do the regulars here recommend having ready before getting in touch about a fault?`,
				Answers: []Answer{
					{
						Author:     "gwen-jones",
						HoursAfter: 3,
						Helpful:    []string{"oldtimer_dave", "tomasz83", "maria_k", "linda.h", "fibre_fan"},
						Body: `My checklist:

- **Account number** and the security PIN (both in **My Account › Profile**)
- For broadband: a few **wired** speed test screenshots with times, and the Hub's line status page
- For TV or laptops: the **model and serial number** (sticker underneath, or in Settings › About)
- What you've already tried, so they don't make you do it again
- When it started and whether it's constant or at certain times

Writing it down in a note first saves a lot of time.`,
					},
					{
						Author:     "dev.rob",
						HoursAfter: 10,
						Helpful:    []string{"oldtimer_dave"},
						Body:       `Also: use the chat in the app rather than phoning if you can. You get a transcript afterwards, which is handy if you need to escalate or claim compensation later.`,
					},
				},
			},
			// 22–27. This morning's outage in the north: a wave of the same question.
			{Author: "hamish_r", Category: "broadband-wifi", Title: "Broadband outage in Leeds? Hub 3 light flashing red", Tags: "outage, hub-3",
				HoursAgo: 2.6, Body: "Since about 8am the light on my Hub 3 flashes red and nothing connects, wired or Wi-Fi. Restarted twice. Is there an outage in Leeds?",
				Answers: []Answer{{Author: "sophie.northwind", HoursAfter: 1.3, Helpful: []string{"hamish_r", "linda.h"},
					Body: `Yes — sorry, Hamish. A damaged fibre cable between Leeds and Harrogate is cutting off broadband for parts of West Yorkshire since about 8am. Engineers are on site and the repair should be finished early this afternoon; we'll post updates here.

There's no need to restart your Hub again or book an engineer: it reconnects by itself once the cable is fixed.`}}},
			{Author: "chloe.b", Category: "broadband-wifi", Title: "No internet since this morning in York — outage?", Tags: "outage",
				HoursAgo: 2.2, Body: "Nothing loads since about 8:30. The status page says everything is fine but my neighbours are offline too."},
			{Author: "linda.h", Category: "broadband-wifi", Title: "Outage in Harrogate? Fibre down for three hours", Tags: "outage, fibre",
				HoursAgo: 1.7, Body: "Fibre has been down since breakfast. The Hub shows 'no broadband signal'. Any news?"},
			{Author: "tomasz83", Category: "broadband-wifi", Title: "Hub 3 says 'no broadband signal' — outage near Bradford?", Tags: "outage, hub-3",
				HoursAgo: 1.1, Body: "Working from home and completely offline. Is anyone else near Bradford affected by an outage?"},
			{Author: "priya.n", Category: "broadband-wifi", Title: "Is there a fibre outage in Wakefield right now?", Tags: "outage, fibre",
				HoursAgo: 0.6, Body: "Everything went down at 8:15 and hasn't come back. I've checked the cables and restarted the Hub."},
			{Author: "sam_okafor", Category: "broadband-wifi", Title: "Whole street offline in Hull — broadband outage?", Tags: "outage",
				HoursAgo: 0.25, Body: "The whole street lost broadband this morning. How long will this outage last, and will we get compensation?"},
		},
		Mentions: []Mention{
			{Handle: "jgreen_leeds", Text: "@NorthwindHelp is there an outage in Leeds? Hub flashing red since 8am and no internet", MinutesAgo: 150},
			{Handle: "anna_writes", Text: "@NorthwindHelp no internet in York all morning, your status page says all fine?? outage or not", MinutesAgo: 120},
			{Handle: "mikeb_wfh", Text: "Third hour with no broadband. @NorthwindHelp what is going on with this outage", MinutesAgo: 95},
			{Handle: "harrogate_ruth", Text: "@NorthwindHelp fibre outage in Harrogate? Kids can't do homework", MinutesAgo: 70},
			{Handle: "dev_on_call", Text: "Outage hitting half of West Yorkshire apparently. @NorthwindHelp any ETA?", MinutesAgo: 40},
			{Handle: "kat_hull", Text: "@NorthwindHelp whole street offline in Hull, broadband down since breakfast", MinutesAgo: 12},
			{Handle: "moviebuff_92", Text: "@NorthwindHelp loving the new Stream box, 4K looks great", MinutesAgo: 300},
		},
		Incident: Incident{
			Category:    "broadband-wifi",
			ThreadTitle: "Broadband outage in Leeds? Hub 3 light flashing red",
			Message:     "A fibre fault is affecting parts of West Yorkshire since about 8am. Engineers are on it; updates in this thread.",
			Term:        "outage",
			OpenedBy:    "sophie.northwind",
			HoursAgo:    1.4,
		},
		FromX: []Conversation{
			{Category: "tv-streaming", Tweets: []Tweet{
				{Handle: "sarah_watches", MinutesAgo: 4300,
					Text: "@NorthwindHelp my Stream box says 'Not enough storage' when I try to install the iPlayer app, but I've hardly installed anything on it?"},
				{Handle: BrandHandle, MinutesAgo: 4262,
					Text: "@sarah_watches Hi Sarah, sorry about that! The box keeps a cache of recordings' previews. Go to Settings › Storage › Clear cached previews, then restart it: that frees about 2 GB. ^SN"},
				{Handle: "sarah_watches", MinutesAgo: 4190,
					Text: "@NorthwindHelp that worked, iPlayer installed fine. Thanks!"},
			}},
			{Category: "mobile", Tweets: []Tweet{
				{Handle: "dan_in_derby", MinutesAgo: 1500,
					Text: "@NorthwindHelp can I add a second mobile line for my daughter to my account, and is there a discount for two lines?"},
				{Handle: BrandHandle, MinutesAgo: 1452,
					Text: "@dan_in_derby Hi Dan! Yes: in the Northwind app go to Mobile › Add a line. Each extra line is 20% off for as long as you keep yours. ^RP"},
			}},
		},
		NoResult: []WeightedQuery{
			{Query: "esim transfer android", Weight: 9}, {Query: "wifi 6e hub 4", Weight: 7}, {Query: "cancel contract fee", Weight: 6},
			{Query: "router admin password", Weight: 5}, {Query: "5g coverage map", Weight: 4}, {Query: "parental controls stream box", Weight: 3},
			{Query: "static ip business", Weight: 2}, {Query: "ipv6", Weight: 2},
		},
	}
}
